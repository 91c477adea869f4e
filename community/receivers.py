"""An enrollment revoked or given back (enrollments/signals.py) moves its
author's review in or out of the course's figures. Runs inside the sender's
transaction. Connected by `CommunityConfig.ready`."""

from django.dispatch import receiver

from community.models import Review
from community.services import course_rating_refresh
from enrollments.signals import access_restored, access_revoked


@receiver(access_revoked, dispatch_uid="community.access_revoked")
@receiver(access_restored, dispatch_uid="community.access_restored")
def access_changed_refresh(sender, *, enrollment, **kwargs) -> None:
    if Review.objects.filter(user_id=enrollment.user_id, course_id=enrollment.course_id).exists():
        course_rating_refresh(course_id=enrollment.course_id)
