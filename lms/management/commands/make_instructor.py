from django.core.management.base import BaseCommand, CommandError

from lms.models import User
from lms.services import user_make_instructor


class Command(BaseCommand):
    help = "Make the user with this e-mail address an instructor (staff access and the Instructors group)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        try:
            user = User.objects.get(email__iexact=email.strip())
        except User.DoesNotExist:
            raise CommandError(f"No user has the e-mail address {email!r}.") from None
        user_make_instructor(user=user)
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now an instructor."))
