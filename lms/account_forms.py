"""allauth forms that Doctrina adjusts. (Apart from `lms.forms`, which allauth
imports while building its own forms: importing them there would be circular.)"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm

from lms.models import User


class AddEmailForm(AllauthAddEmailForm):
    """Refuses an address that is another account's login.

    allauth's enumeration protection would accept it quietly, but it can never
    become this account's primary address: `User.email` is unique, so "Make
    primary" would fail with an IntegrityError (a 500). Sign-up already says
    when an address is taken, so this reveals nothing new."""

    def clean_email(self) -> str:
        value = super().clean_email()
        if User.objects.filter(email__iexact=value).exclude(pk=self.user.pk).exists():
            raise get_adapter().validation_error("email_taken")
        return value
