"""Reads about courses that pages of several apps need. The catalogue's own
reads are in `courses.catalogue`, the curriculum in `courses.curriculum`; a
course page's course is `enrollments.selectors.course_get_visible` (its
students see it whatever its status)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef

from courses.models import Category, Course, Lesson

if TYPE_CHECKING:
    from django.db.models import QuerySet


def course_first_lesson(*, course: Course) -> Lesson | None:
    """Where a new student starts: the first lesson in curriculum order (one query)."""
    return (
        Lesson.objects.filter(module__course=course)
        .in_curriculum()
        .select_related("module__course")
        .in_curriculum_order()
        .first()
    )


def categories_listed() -> QuerySet[Category]:
    """The categories the catalogue offers: those with a published course, in
    the staff's order (one query)."""
    published = Course.categories.through.objects.filter(
        category=OuterRef("pk"), course__status=Course.Status.PUBLISHED
    )
    return Category.objects.filter(Exists(published))


def catalogue_currencies() -> list[str]:
    """The currencies of the catalogue's paid courses, for its price filter (one query)."""
    paid = Course.objects.published().filter(price__gt=0)
    return list(paid.order_by("currency").values_list("currency", flat=True).distinct())
