"""Reads about courses that pages of several apps need. The catalogue's own
reads are in `courses.catalogue`, the curriculum in `courses.curriculum`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from courses import policies
from courses.catalogue import course_page_figure_annotations
from courses.models import Course, Lesson

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.models import User


def course_get_visible(*, slug: str, viewer: User | AnonymousUser) -> Course | None:
    """The course with this slug if the viewer may see it (published, or a draft
    they may edit), with its instructor and the card figures other apps
    register (its students, its rating…); None otherwise. One query."""
    return (
        policies.courses_visible_to(viewer)
        .select_related("instructor")
        .annotate(**course_page_figure_annotations())
        .filter(slug=slug)
        .first()
    )


def course_first_lesson(*, course: Course) -> Lesson | None:
    """Where a new student starts: the first lesson in curriculum order (one query)."""
    return (
        Lesson.objects.filter(module__course=course)
        .select_related("module__course")
        .in_curriculum_order()
        .first()
    )
