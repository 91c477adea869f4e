"""The catalogue: which courses are listed, the figures on their cards and the
orders a visitor may sort them by.

`courses` knows a course's lessons and their durations. Figures that only apps
above it know (how many students a course has, from `enrollments`; its rating,
from the reviews issue on) are registered by those apps in their
`AppConfig.ready`, so every card — the catalogue's and My learning's — shows
them without `courses` importing anything above it:

    card_stat_register("student_count", student_count_expression)
    catalogue_sort_register("popular", label="Most popular", ordering=["-student_count", ...], position=20)

A card figure is a correlated subquery (a function of the OuterRef to the
course): no row multiplication, and evaluated only for the rows listed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Expression, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from courses.models import Course, Lesson

CardStat = Callable[[str], Expression]


@dataclass(frozen=True)
class Sort:
    key: str
    label: str
    ordering: tuple[str, ...]
    position: int


def _lessons(course_ref: str) -> QuerySet[Lesson]:
    return Lesson.objects.filter(module__course=OuterRef(course_ref)).order_by().values("module__course")


def _lesson_count(course_ref: str) -> Expression:
    count = _lessons(course_ref).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def _total_duration(course_ref: str) -> Expression:
    total = _lessons(course_ref).annotate(s=Sum("duration")).values("s")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


_CARD_STATS: dict[str, CardStat] = {"lesson_count": _lesson_count, "total_duration": _total_duration}
_SORTS: dict[str, Sort] = {
    "newest": Sort("newest", "Newest", ("-created_at", "-pk"), position=10),
    "price": Sort("price", "Lowest price", ("price", "title", "pk"), position=30),
}
DEFAULT_SORT = "newest"


def card_stat_register(name: str, stat: CardStat) -> None:
    """Add a figure to every course card: `stat(course_ref)` is an expression
    evaluated per course (the card template reads `course.<name>`)."""
    _CARD_STATS[name] = stat


def catalogue_sort_register(key: str, *, label: str, ordering: list[str], position: int) -> None:
    """Offer another order in the catalogue's "Sort by" (`position` places it
    among the others); `ordering` may use any registered card figure."""
    _SORTS[key] = Sort(key, label, tuple(ordering), position)


def card_stat_names() -> list[str]:
    return list(_CARD_STATS)


def card_stat_annotations(course_ref: str = "pk") -> dict[str, Expression]:
    """Every card figure of the course at `course_ref`, for `.annotate(**…)`."""
    return {name: stat(course_ref) for name, stat in _CARD_STATS.items()}


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
