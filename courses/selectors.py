"""Reads about courses that pages of several apps need. The catalogue's own
reads are in `courses.catalogue`, the curriculum in `courses.curriculum`; a
course page's course is `enrollments.selectors.course_get_visible` (its
students see it whatever its status)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from courses.models import Lesson

if TYPE_CHECKING:
    from courses.models import Course


def course_first_lesson(*, course: Course) -> Lesson | None:
    """Where a new student starts: the first lesson in curriculum order (one query)."""
    return (
        Lesson.objects.filter(module__course=course)
        .in_curriculum()
        .select_related("module__course")
        .in_curriculum_order()
        .first()
    )
