"""Reads about enrollments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Expression, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from courses.catalogue import course_page_figure_annotations
from courses.models import Course
from enrollments.models import Enrollment
from enrollments.policies import courses_visible_to

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.models import User


def course_get_visible(*, slug: str, viewer: User | AnonymousUser) -> Course | None:
    """The course with this slug if the viewer may see it (published, a course
    they may edit, or one they are enrolled in whatever its status), with its
    instructor and the card figures other apps register (its students, its
    rating…); None otherwise. One query."""
    return (
        courses_visible_to(viewer)
        .select_related("instructor")
        .annotate(**course_page_figure_annotations())
        .filter(slug=slug)
        .first()
    )


def enrollment_active_exists(*, user: User | AnonymousUser, course: Course) -> bool:
    if not user.is_authenticated:
        return False
    return Enrollment.objects.active().filter(user=user, course=course).exists()


def viewer_enrollment(
    *, user: User | AnonymousUser, course: Course, **annotations: Expression
) -> Enrollment | None:
    """The viewer's enrollment in the course, active or not (one query, none for
    the anonymous), with any `annotations` the page asks for."""
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(user=user, course=course).annotate(**annotations).first()


def student_count_expression(course_ref: str) -> Expression:
    """`student_count` of the course at `course_ref`, as a correlated subquery
    (a card figure of the catalogue, see enrollments/apps.py)."""
    active = (
        Enrollment.objects.filter(course=OuterRef(course_ref), status=Enrollment.Status.ACTIVE)
        .order_by()
        .values("course")
        # COUNT(*), not COUNT(id): PostgreSQL answers it from the (course,
        # status) index alone instead of visiting a heap page per enrollment.
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(active, output_field=IntegerField()), Value(0))


def instructor_student_total_expression(user_ref: str) -> Expression:
    """How many people learn from the instructor at `user_ref`: the distinct
    students with an active enrollment in any of their published courses (one
    person in three of their courses counts once; an instructor figure of
    their page, see enrollments/apps.py)."""
    students = (
        Enrollment.objects.filter(
            course__instructor=OuterRef(user_ref),
            course__status=Course.Status.PUBLISHED,
            status=Enrollment.Status.ACTIVE,
        )
        .order_by()
        .values("course__instructor")
        .annotate(n=Count("user", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(students, output_field=IntegerField()), Value(0))
