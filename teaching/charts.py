"""Column charts drawn on the server: this module works out the geometry,
`templates/teaching/includes/chart.html` writes it as inline SVG.

No JavaScript and no `style=` attribute: the SVG uses presentation
attributes (x, y, width, height, text-anchor) and CSS classes from
static/css/site.css, so a strict Content-Security-Policy holds. Every chart
is drawn next to a table of the same figures (for screen readers) and has a
CSV download. Money stays Decimal; only pixel positions are floats."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from teaching.selectors.analytics import (
    ENROLLMENT_WEEKS,
    REVENUE_MONTHS,
    FunnelStep,
    WeekCount,
    enrollments_by_week,
    lesson_funnel,
    student_figures,
)
from teaching.selectors.figures import months_back, weeks_back
from teaching.selectors.revenue import MonthRevenue, course_revenue_by_month

if TYPE_CHECKING:
    from datetime import datetime

    from courses.models import Course

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 30
MAX_X_LABELS = 13
GRIDLINES = 4

Number = int | Decimal


@dataclass(frozen=True)
class Segment:
    """A part of a column: its value and CSS class (stacked from the bottom)."""

    value: Number
    css: str


@dataclass(frozen=True)
class Column:
    label: str  # under the axis (some are skipped when there are many columns)
    title: str  # the tooltip: what the column says in words
    segments: tuple[Segment, ...]

    @property
    def total(self) -> Number:
        return sum((s.value for s in self.segments), 0)


@dataclass(frozen=True)
class Rect:
    x: str
    y: str
    width: str
    height: str
    css: str


@dataclass(frozen=True)
class DrawnColumn:
    title: str
    rects: tuple[Rect, ...]


@dataclass(frozen=True)
class Text:
    x: str
    y: str
    text: str


@dataclass(frozen=True)
class Gridline:
    y: str
    label: Text


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    baseline: str
    columns: tuple[DrawnColumn, ...]
    gridlines: tuple[Gridline, ...]
    x_labels: tuple[Text, ...]


def _px(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def nice_step(maximum: Number, *, lines: int = GRIDLINES, whole: bool = True) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) so that `lines` steps reach `maximum`."""
    raw = Decimal(maximum) / lines if maximum else Decimal(1)
    magnitude = Decimal(10) ** raw.adjusted()
    step = next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= raw)
    return max(step, Decimal(1)) if whole else step


def plain_number(value: Decimal) -> str:
    """An axis label: 1,200 or 2.5."""
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value.normalize():,}"


def column_chart(
    columns: Sequence[Column], *, whole: bool = True, axis_label: Callable[[Decimal], str] = plain_number
) -> Chart:
    """Columns side by side over a baseline, gridlines at round values, every
    few labels under the axis. `whole`: the values are counts."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    maximum = max((c.total for c in columns), default=0)
    step = nice_step(maximum, whole=whole)
    top = step * max(1, math.ceil(Decimal(maximum) / step))
    scale = plot_height / float(top)
    baseline = TOP + plot_height
    slot = plot_width / max(len(columns), 1)
    bar = slot * 0.7

    drawn = []
    for index, column in enumerate(columns):
        x, y, rects = LEFT + index * slot + (slot - bar) / 2, float(baseline), []
        for segment in column.segments:
            height = float(segment.value) * scale
            if height <= 0:
                continue
            y -= height
            rects.append(Rect(x=_px(x), y=_px(y), width=_px(bar), height=_px(height), css=segment.css))
        drawn.append(DrawnColumn(title=column.title, rects=tuple(rects)))

    gridlines = []
    for n in range(int(top / step) + 1):
        value = step * n
        y = baseline - float(value) * scale
        gridlines.append(
            Gridline(y=_px(y), label=Text(x=_px(LEFT - 6), y=_px(y + 4), text=axis_label(value)))
        )

    every = max(1, math.ceil(len(columns) / MAX_X_LABELS))
    x_labels = tuple(
        Text(x=_px(LEFT + index * slot + slot / 2), y=_px(HEIGHT - 10), text=column.label)
        for index, column in enumerate(columns)
        if index % every == 0
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        baseline=_px(baseline),
        columns=tuple(drawn),
        gridlines=tuple(gridlines),
        x_labels=x_labels,
    )


# --- the analytics page's charts: the same rows feed the drawing, the table and the CSV --------


@dataclass(frozen=True)
class ChartData:
    """A chart with its figures as rows of text (the table under it and its CSV)."""

    name: str  # in its CSV's URL
    key: str  # unique on the page
    caption: str
    summary: str  # what the chart says in a sentence (the SVG's accessible name)
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    chart: Chart
    legend: tuple[tuple[str, str], ...] = ()  # (CSS class, label)


def enrollments_chart(weeks: Sequence[WeekCount]) -> ChartData:
    total = sum(w.enrollments for w in weeks)
    columns = [
        Column(
            label=f"{w.week.day} {w.week:%b}",
            title=f"Week of {w.week.day} {w.week:%b %Y}: {w.enrollments}",
            segments=(Segment(w.enrollments, "chart-bar"),),
        )
        for w in weeks
    ]
    return ChartData(
        name="enrollments",
        key="enrollments",
        caption=f"Enrollments per week, last {len(weeks)} weeks",
        summary=f"New enrollments per week over the last {len(weeks)} weeks: {total} in all.",
        header=("week", "enrollments"),
        rows=tuple((w.week.isoformat(), str(w.enrollments)) for w in weeks),
        chart=column_chart(columns),
    )


def revenue_chart(currency: str, months: Sequence[MonthRevenue]) -> ChartData:
    code = currency.upper()
    columns = [
        Column(
            label=f"{m.month:%b}",
            title=f"{m.month:%B %Y}: {m.money.net} {code} net of {m.money.gross} gross "
            f"({m.money.refunded} refunded)",
            segments=(Segment(m.money.net, "chart-net"), Segment(m.money.refunded, "chart-refunded")),
        )
        for m in months
    ]
    net = sum((m.money.net for m in months), Decimal("0.00"))
    return ChartData(
        name="revenue",
        key=f"revenue-{currency}",
        caption=f"Revenue per month in {code}, last {len(months)} months",
        summary=f"Revenue in {code} per month of sale over the last {len(months)} months: {net} net in all.",
        header=("month", "currency", "gross", "refunded", "net"),
        rows=tuple(revenue_row(m) for m in months),
        chart=column_chart(columns, whole=False),
        legend=(("chart-net", "Net"), ("chart-refunded", "Refunded since")),
    )


def revenue_row(month: MonthRevenue) -> tuple[str, ...]:
    money = month.money
    return (f"{month.month:%Y-%m}", money.currency, str(money.gross), str(money.refunded), str(money.net))


def funnel_chart(steps: Sequence[FunnelStep]) -> ChartData:
    active = steps[0].active if steps else 0
    columns = [
        Column(
            label=str(step.position),
            title=f"{step.position}. {step.lesson.title}: {step.completed} of {active}",
            segments=(Segment(step.completed, "chart-bar"),),
        )
        for step in steps
    ]
    return ChartData(
        name="funnel",
        key="funnel",
        caption="Active students who completed each lesson, in curriculum order",
        summary=f"How many of the {active} active students completed each of the {len(steps)} lessons.",
        header=("position", "module", "lesson", "completed", "percent_of_active"),
        rows=tuple(
            (
                str(step.position),
                step.module_title,
                step.lesson.title,
                str(step.completed),
                "" if step.rate is None else str(step.rate),
            )
            for step in steps
        ),
        chart=column_chart(columns),
    )


CHARTS = ("enrollments", "revenue", "funnel")


def chart_get(*, course: Course, name: str, now: datetime) -> list[ChartData]:
    """The chart `name` (one of CHARTS) of a course fetched through the policy;
    revenue has one chart per currency. A few queries, as on the page."""
    if name == "enrollments":
        return [
            enrollments_chart(
                enrollments_by_week(course=course, weeks=weeks_back(now=now, count=ENROLLMENT_WEEKS))
            )
        ]
    if name == "revenue":
        months = course_revenue_by_month(course=course, months=months_back(now=now, count=REVENUE_MONTHS))
        return [revenue_chart(currency, rows) for currency, rows in months.items()]
    students = student_figures(course=course)
    return [funnel_chart(lesson_funnel(course=course, active=students.active, now=now).steps)]
