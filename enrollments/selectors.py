"""Reads about enrollments and notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery

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


def dashboard_enrollments(*, user: User) -> list[Enrollment]:
    """The backlog's getUserEnrollments: active enrollments, newest first, each
    with its course's card statistics and `continue_lesson_id`. One query,
    whatever the number of enrollments."""
    from courses.models import Lesson
    from courses.selectors import card_stat_annotations

    first_lesson = (
        Lesson.objects.filter(module__course=OuterRef("course"))
        .order_by("module__order", "module__pk", "order", "pk")
        .values("pk")[:1]
    )
    enrollments = list(
        Enrollment.objects.active()
        .filter(user=user)
        .select_related("course__instructor")
        .annotate(continue_lesson_id=Subquery(first_lesson), **card_stat_annotations("course"))
        .order_by("-enrolled_at", "-pk")
    )
    for enrollment in enrollments:
        # The course card template reads these from the course.
        enrollment.course.lesson_count = enrollment.lesson_count
        enrollment.course.total_duration = enrollment.total_duration
        enrollment.course.student_count = enrollment.student_count
    return enrollments
