"""Reads about enrollments and notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from enrollments.models import Enrollment, LessonProgress, Notification

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

    in_order = Lesson.objects.filter(module__course=OuterRef("course")).order_by(
        "module__order", "module__pk", "order", "pk"
    )
    completed = LessonProgress.objects.filter(
        user=OuterRef(OuterRef("user")), lesson=OuterRef("pk"), completed_at__isnull=False
    )
    # "Continue" opens the first lesson not completed; a finished course, the first lesson.
    first_open = in_order.exclude(Exists(completed)).values("pk")[:1]
    first_lesson = Coalesce(Subquery(first_open), Subquery(in_order.values("pk")[:1]))
    enrollments = list(
        Enrollment.objects.active()
        .filter(user=user)
        .select_related("course__instructor")
        .annotate(continue_lesson_id=first_lesson, **card_stat_annotations("course"))
        .order_by("-enrolled_at", "-pk")
    )
    for enrollment in enrollments:
        # The course card template reads these from the course.
        enrollment.course.lesson_count = enrollment.lesson_count
        enrollment.course.total_duration = enrollment.total_duration
        enrollment.course.student_count = enrollment.student_count
    return enrollments
