"""Announcements: one write, then the notifications in one INSERT and the
e-mails from a background job, however many students the course has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from community.announcements.models import Announcement
from enrollments.models import Enrollment
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from courses.models import Course
    from lms.models import User


@transaction.atomic
def announcement_publish(*, course: Course, author: User, title: str, body: str) -> Announcement:
    """Publish an announcement and tell every active student of the course:
    a notification each (one INSERT), an e-mail each to those who have not
    turned announcements off (sent by a job that commits with this write).
    The caller has checked that `author` may announce to the course
    (`community.announcements.policies.courses_announceable_by`)."""
    announcement = Announcement.objects.create(
        course=course, author=author, title=title.strip(), body=body.strip()
    )
    students = list(Enrollment.objects.active().filter(course=course).values_list("user_id", flat=True))
    announcement.recipients = len(students)
    announcement.save(update_fields=["recipients"])
    notify(
        users=students,
        kind=Notification.Kind.ANNOUNCEMENT,
        title=f"{course.title}: {announcement.title}",
        message=announcement.body[:1000],
        course=course,
        url=announcement.get_absolute_url(),
        email_key=f"announcement:{announcement.pk}",
    )
    return announcement
