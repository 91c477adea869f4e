"""The catalogue: which courses are listed, the figures on their cards and the
orders a visitor may sort them by.

`courses` knows a course's lessons and their durations. Figures that only apps
above it know (how many students a course has, from `enrollments`; its rating,
from the reviews issue on) are registered by those apps in their
`AppConfig.ready`, so every card — the catalogue's and My learning's — shows
them without `courses` importing anything above it:

    course_figure_register("student_count", student_count_expression)
    catalogue_sort_register("popular", label="Most popular", ordering=["-student_count", ...], position=20)
    catalogue_filter_register("rating", label="Rating", options=[("4", "4 stars & up"), ...],
                              condition=lambda value: Q(rating_average__gte=value), position=40)

A filter's condition may use any card figure, like a sort's ordering.

A card figure is a correlated subquery (a function of the OuterRef to the
course): no row multiplication, and evaluated only for the rows listed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat

from courses.models import Course, Lesson
from lms.sql import precompiled

CardStat = Callable[[str], Expression]


@dataclass(frozen=True)
class Sort:
    key: str
    label: str
    ordering: tuple[str | Expression, ...]  # field names or expressions, for order_by
    position: int
    # Compares prices: only within one currency (free courses first, then each
    # currency's courses in turn, unless the visitor picked a currency).
    by_price: bool = False


@dataclass(frozen=True)
class ChoiceFilter:
    """A filter of the catalogue that offers a few named values (`?duration=short`)."""

    key: str  # the URL parameter
    label: str
    options: tuple[tuple[str, str], ...]  # (value, label), in the order offered
    condition: Callable[[str], Q]  # a value among the options -> the courses it keeps
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
    "price": Sort("price", "Lowest price", ("price", "title", "pk"), position=30, by_price=True),
}
DEFAULT_SORT = "newest"

HOUR = 3600
_FILTERS: dict[str, ChoiceFilter] = {
    "price": ChoiceFilter(
        "price",
        "Price",
        (("free", "Free"), ("paid", "Paid")),
        lambda value: Q(price=0) if value == "free" else Q(price__gt=0),
        position=10,
    ),
    "duration": ChoiceFilter(
        "duration",
        "Duration",
        (("short", "Under 2 h"), ("medium", "2–6 h"), ("long", "Over 6 h")),
        lambda value: {
            "short": Q(total_duration__lt=2 * HOUR),
            "medium": Q(total_duration__gte=2 * HOUR, total_duration__lte=6 * HOUR),
            "long": Q(total_duration__gt=6 * HOUR),
        }[value],
        position=30,
    ),
}


def course_figure_register(name: str, stat: CardStat, *, on_cards: bool = True) -> None:
    """Add a figure about every course: `stat(course_ref)` is an expression
    evaluated per course, annotated as `course.<name>` on the course page and,
    `on_cards`, on every course card."""
    _FIGURES[name] = Figure(stat, on_cards)


def catalogue_sort_register(key: str, *, label: str, ordering: list[str | Expression], position: int) -> None:
    """Offer another order in the catalogue's "Sort by" (`position` places it
    among the others); `ordering` may use any card figure."""
    _SORTS[key] = Sort(key, label, tuple(ordering), position)


def catalogue_filter_register(
    key: str,
    *,
    label: str,
    options: list[tuple[str, str]],
    condition: Callable[[str], Q],
    position: int,
) -> None:
    """Offer another filter in the catalogue (`?<key>=<value>`, `position`
    places it among the others); `condition(value)` is only called with one of
    the `options`' values and may use any card figure."""
    _FILTERS[key] = ChoiceFilter(key, label, tuple(options), condition, position)


def catalogue_filters() -> list[ChoiceFilter]:
    return sorted(_FILTERS.values(), key=lambda choice: choice.position)


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


@dataclass(frozen=True)
class CatalogueSearch:
    """What a visitor asked the catalogue for, every value already checked
    (courses/forms.py): an empty value means "any"."""

    query: str = ""
    sort: str = DEFAULT_SORT
    category: str = ""  # a category's slug
    currency: str = ""  # prices in this currency (and free courses)
    min_price: Decimal | None = None  # in `currency`
    max_price: Decimal | None = None
    choices: dict[str, str] = field(default_factory=dict)  # ChoiceFilter key -> one of its values

    @property
    def is_filtered(self) -> bool:
        """Anything but the search and the order narrows the list."""
        return bool(self.category or self.currency or self.choices) or self.has_price_range

    @property
    def filter_count(self) -> int:
        return bool(self.category) + bool(self.currency) + self.has_price_range + len(self.choices)

    @property
    def has_price_range(self) -> bool:
        return self.min_price is not None or self.max_price is not None

    @property
    def sorts_by_price_across_currencies(self) -> bool:
        sort = _SORTS.get(self.sort)
        return bool(sort and sort.by_price and not self.currency)

    def params(self, *, filters: bool = True) -> list[tuple[str, str]]:
        """The URL parameters that ask for this again (pagination keeps them);
        without `filters`, only the search and the order."""
        pairs = [("q", self.query)] if self.query else []
        pairs.append(("sort", self.sort))
        if not filters:
            return pairs
        pairs += [
            (key, value) for key, value in (("category", self.category), ("currency", self.currency)) if value
        ]
        pairs += [
            (key, str(value))
            for key, value in (("min_price", self.min_price), ("max_price", self.max_price))
            if value is not None
        ]
        return pairs + sorted(self.choices.items())


def _searched(courses: QuerySet[Course], query: str) -> QuerySet[Course]:
    # The instructor's name as the pages show it ("Maya Okafor"), not their e-mail address.
    courses = courses.annotate(
        instructor_name=Concat("instructor__first_name", Value(" "), "instructor__last_name")
    )
    return courses.filter(
        Q(title__icontains=query)
        | Q(subtitle__icontains=query)
        | Q(description__icontains=query)
        | Q(instructor_name__icontains=query)
    )


def _filtered(courses: QuerySet[Course], search: CatalogueSearch) -> QuerySet[Course]:
    if search.category:
        # Exists, not a join: a course in two categories is still one row.
        links = Course.categories.through.objects.filter(
            course=OuterRef("pk"), category__slug=search.category
        )
        courses = courses.filter(Exists(links))
    if search.currency:
        courses = courses.filter(Q(currency=search.currency) | Q(price=0))
    if search.min_price is not None:
        courses = courses.filter(price__gte=search.min_price)
    if search.max_price is not None:
        courses = courses.filter(price__lte=search.max_price)
    for key, value in search.choices.items():
        choice = _FILTERS.get(key)
        if choice and value in dict(choice.options):
            courses = courses.filter(choice.condition(value))
    return courses


def catalogue_courses(*, search: CatalogueSearch | None = None) -> QuerySet[Course]:
    """Published courses for the catalogue, searched, filtered and sorted, each
    with its card figures. An unknown sort falls back to the default. Sorting
    by price compares like with like: free courses first, then the paid ones
    currency by currency, unless the search keeps one currency."""
    search = search or CatalogueSearch()
    courses = Course.objects.published()
    query = search.query.strip()
    if query:
        courses = _searched(courses, query)
    courses = courses.select_related("instructor").annotate(**card_stat_annotations())
    courses = _filtered(courses, search)
    sort = _SORTS.get(search.sort) or _SORTS[DEFAULT_SORT]
    ordering = sort.ordering
    if sort.by_price:
        free_first = Case(When(price=0, then=Value(0)), default=Value(1), output_field=IntegerField())
        ordering = (free_first, "currency", *ordering)
    return courses.order_by(*ordering)
