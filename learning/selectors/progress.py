"""Reads about a student's progress: which lessons they completed, where they
continue, and My learning. Each runs a fixed number of queries, whatever the
size of the course."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, Expression, OuterRef, Subquery
from django.db.models.functions import Coalesce

from courses.catalogue import card_stat_annotations, card_stat_names
from courses.models import Lesson
from enrollments.models import Enrollment
from learning.models import LessonProgress
from learning.selectors.certificates import certificate_code_expression
from lms.sql import precompiled

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Course
    from lms.models import User


def completed_lesson_ids_get(*, user: User | AnonymousUser, course: Course) -> frozenset[int]:
    """The lessons of `course` that `user` has completed: one query (none for
    the anonymous). The pages pair it with the cached curriculum."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(
        LessonProgress.objects.filter(
            user=user, lesson__module__course=course, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )


def continue_lesson_id_expression() -> Expression:
    """Where "Continue" leads, for the enrollment row the expression is
    annotated on: the first lesson of its course the student has not completed,
    in curriculum order; the first lesson when every one is done; None for a
    course without lessons. Compiled once per process (lms/sql.py)."""
    return precompiled(Enrollment, _continue_lesson_id)


def _continue_lesson_id() -> Expression:
    in_order = Lesson.objects.filter(module__course=OuterRef("course")).in_curriculum().in_curriculum_order()
    completed = LessonProgress.objects.filter(
        user=OuterRef(OuterRef("user")), lesson=OuterRef("pk"), completed_at__isnull=False
    )
    first_open = in_order.exclude(Exists(completed)).values("pk")[:1]
    return Coalesce(Subquery(first_open), Subquery(in_order.values("pk")[:1]))


def dashboard_enrollments(*, user: User) -> list[Enrollment]:
    """My learning (the backlog's getUserEnrollments): active enrollments, newest
    first, each with its course's card figures, `continue_lesson_id` and
    `certificate_code`. One query, whatever the number of enrollments."""
    enrollments = list(
        Enrollment.objects.active()
        .filter(user=user)
        .select_related("course__instructor")
        .annotate(
            continue_lesson_id=continue_lesson_id_expression(),
            certificate_code=certificate_code_expression(),
            **card_stat_annotations(Enrollment, "course"),
        )
        .order_by("-enrolled_at", "-pk")
    )
    for enrollment in enrollments:
        # The course card template reads its figures from the course.
        for name in card_stat_names():
            setattr(enrollment.course, name, getattr(enrollment, name))
    return enrollments
