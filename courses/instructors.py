"""Instructor pages (`/instructors/<slug>/`): who teaches, and their published
courses as catalogue cards.

Like a course card's figures (courses/catalogue.py), the figures about an
instructor that only apps above `courses` know are registered by those apps
in their `AppConfig.ready`, and read in the page's one query for the instructor:

    instructor_figure_register("student_total", student_total_expression)   # enrollments
    instructor_figure_register("rating_count", ...)                           # community

A figure is `stat(user_ref) -> Expression`, a correlated subquery on the
instructor at `user_ref`. The page's template shows them where they are known;
community adds the average rating through the `instructor_page.meta` slot
(lms/sections.py).

Who has a page: an active account that may author courses (`is_instructor`)
or teaches one (a superuser may). An instructor with no published course still
has one ("no courses published yet"): a student of their archived course
follows the link from its page. Anyone else, and an unknown slug: 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, Expression, OuterRef, Q, QuerySet

from courses.catalogue import card_stat_annotations
from courses.models import Course
from lms.models import User
from lms.sql import precompiled

InstructorStat = Callable[[str], Expression]

_FIGURES: dict[str, InstructorStat] = {}


def instructor_figure_register(name: str, stat: InstructorStat) -> None:
    """Add a figure about every instructor, annotated as `instructor.<name>` on
    their page: `stat(user_ref)` over their published courses, by convention."""
    _FIGURES[name] = stat


def instructors_public() -> QuerySet[User]:
    """The accounts that have an instructor page."""
    teaches = Course.objects.filter(instructor=OuterRef("pk"))
    return User.objects.filter(is_active=True).filter(Q(is_instructor=True) | Exists(teaches))


@dataclass(frozen=True)
class InstructorPage:
    instructor: User  # with every registered figure annotated
    courses: list[Course]  # published, newest first, with every card figure


def instructor_page_get(*, slug: str) -> InstructorPage | None:
    """The page of the instructor at `slug`, or None (two queries)."""
    figures = {name: precompiled(User, stat, "pk") for name, stat in _FIGURES.items()}
    instructor = instructors_public().filter(slug=slug).annotate(**figures).first()
    if instructor is None:
        return None
    courses = list(
        Course.objects.published()
        .filter(instructor=instructor)
        .annotate(**card_stat_annotations())
        .order_by("-created_at", "-pk")
    )
    for course in courses:
        course.instructor = instructor  # the cards say who teaches: no query per card
    return InstructorPage(instructor=instructor, courses=courses)
