"""Reads about enrollments and notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from enrollments.models import Enrollment, Notification

if TYPE_CHECKING:
    from courses.models import Course
    from lms.models import User


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read=False).count()


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("course")


def enrollment_active_exists(*, user: User, course: Course) -> bool:
    if not user.is_authenticated:
        return False
    return Enrollment.objects.active().filter(user=user, course=course).exists()
