"""The catalogue: which courses are listed, the figures on their cards and the
orders a visitor may sort them by.

`courses` knows a course's lessons and their durations. Figures that only apps
above it know (how many students a course has, from `enrollments`; its rating,
from the reviews issue on) are registered by those apps in their
`AppConfig.ready`, so every card — the catalogue's and My learning's — shows
them without `courses` importing anything above it:

    course_figure_register("student_count", student_count_expression)
    catalogue_sort_register("popular", label="Most popular", ordering=["-student_count", ...], position=20)

A card figure is a correlated subquery (a function of the OuterRef to the
course): no row multiplication, and evaluated only for the rows listed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import (
    Count,
    Expression,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from courses.models import Course, Lesson
from lms.sql import precompiled

CardStat = Callable[[str], Expression]


@dataclass(frozen=True)
class Sort:
    key: str
    label: str
    ordering: tuple[str | Expression, ...]  # field names or expressions, for order_by
    position: int


def _lessons(course_ref: str) -> QuerySet[Lesson]:
    lessons = Lesson.objects.filter(module__course=OuterRef(course_ref)).in_curriculum()
    return lessons.order_by().values("module__course")


def _lesson_count(course_ref: str) -> Expression:
    count = _lessons(course_ref).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def _total_duration(course_ref: str) -> Expression:
    total = _lessons(course_ref).annotate(s=Sum("duration")).values("s")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class Figure:
    stat: CardStat
    on_cards: bool  # False: only the course page shows it


# courses' own: the course page reads them from the curriculum instead.
_OWN_FIGURES = {"lesson_count", "total_duration"}
_FIGURES: dict[str, Figure] = {
    "lesson_count": Figure(_lesson_count, on_cards=True),
    "total_duration": Figure(_total_duration, on_cards=True),
}
_SORTS: dict[str, Sort] = {
    "newest": Sort("newest", "Newest", ("-created_at", "-pk"), position=10),
    "price": Sort("price", "Lowest price", ("price", "title", "pk"), position=30),
}
DEFAULT_SORT = "newest"


def course_figure_register(name: str, stat: CardStat, *, on_cards: bool = True) -> None:
    """Add a figure about every course: `stat(course_ref)` is an expression
    evaluated per course, annotated as `course.<name>` on the course page and,
    `on_cards`, on every course card."""
    _FIGURES[name] = Figure(stat, on_cards)


def catalogue_sort_register(key: str, *, label: str, ordering: list[str | Expression], position: int) -> None:
    """Offer another order in the catalogue's "Sort by" (`position` places it
    among the others); `ordering` may use any card figure."""
    _SORTS[key] = Sort(key, label, tuple(ordering), position)


def card_stat_names() -> list[str]:
    return [name for name, figure in _FIGURES.items() if figure.on_cards]


def card_stat_annotations(model: type[Model] = Course, course_ref: str = "pk") -> dict[str, Expression]:
    """The card figures of the course at `course_ref`, for `model.objects.annotate(**…)`
    (each compiled once per process, lms/sql.py)."""
    return {
        name: precompiled(model, figure.stat, course_ref)
        for name, figure in _FIGURES.items()
        if figure.on_cards
    }


def course_page_figure_annotations() -> dict[str, Expression]:
    """The figures other apps register, for the course page's own query (the
    curriculum gives it courses' own)."""
    return {
        name: precompiled(Course, figure.stat, "pk")
        for name, figure in _FIGURES.items()
        if name not in _OWN_FIGURES
    }


def catalogue_sorts() -> list[Sort]:
    return sorted(_SORTS.values(), key=lambda sort: sort.position)


def catalogue_courses(*, query: str = "", sort: str = DEFAULT_SORT) -> QuerySet[Course]:
    """Published courses for the catalogue, searched and sorted, each with its
    card figures. An unknown sort falls back to the default."""
    courses = Course.objects.published()
    query = (query or "").strip()
    if query:
        courses = courses.filter(
            Q(title__icontains=query) | Q(subtitle__icontains=query) | Q(description__icontains=query)
        )
    ordering = (_SORTS.get(sort) or _SORTS[DEFAULT_SORT]).ordering
    return courses.select_related("instructor").annotate(**card_stat_annotations()).order_by(*ordering)
