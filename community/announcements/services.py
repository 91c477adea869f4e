"""Announcements: one write, then the notifications in one INSERT and the
e-mails from a background job, however many students the course has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from community.announcements.models import Announcement
from enrollments.models import Enrollment
from lms.models import User
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from uuid import UUID

    from courses.models import Course

# What a notification says of a long announcement; the whole text is on the course page.
NOTIFICATION_EXCERPT = 1000


def _excerpt(text: str) -> str:
    return text if len(text) <= NOTIFICATION_EXCERPT else text[: NOTIFICATION_EXCERPT - 1].rstrip() + "…"


@transaction.atomic
def announcement_publish(
    *, course: Course, author: User, title: str, body: str, token: UUID | None = None
) -> Announcement:
    """Publish an announcement and tell every active student of the course:
    a notification each (one INSERT), an e-mail each to those who have not
    turned announcements off (sent by a job that commits with this write).
    The caller has checked that `author` may announce to the course
    (`community.announcements.policies.courses_announceable_by`). The same
    form's `token` again (a double click) returns the first announcement and
    tells nobody twice: the author's row lock queues the two, and a unique
    constraint backs it."""
    if token is not None:
        User.objects.select_for_update().filter(pk=author.pk).first()
        sent = Announcement.objects.filter(author=author, token=token).first()
        if sent is not None:
            return sent
    announcement = Announcement.objects.create(
        course=course, author=author, title=title.strip(), body=body.strip(), token=token
    )
    students = list(Enrollment.objects.active().filter(course=course).values_list("user_id", flat=True))
    announcement.recipients = len(students)
    announcement.save(update_fields=["recipients"])
    notify(
        users=students,
        kind=Notification.Kind.ANNOUNCEMENT,
        title=f"{course.title}: {announcement.title}",
        message=_excerpt(announcement.body),
        course=course,
        url=announcement.get_absolute_url(),
        email_key=f"announcement:{announcement.pk}",
    )
    return announcement
