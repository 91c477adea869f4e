"""Small helpers the teaching selectors share: percentages as exact Decimals,
and the periods the charts cover (in the current time zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

ONE_DECIMAL = Decimal("0.1")


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """`part` of `whole` in percent, rounded half up to one decimal; None of nothing."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def mean(total: int | Decimal, count: int) -> Decimal | None:
    """`total` / `count`, rounded half up to one decimal; None of nothing."""
    if not count:
        return None
    return (Decimal(total) / count).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Periods:
    """The first days of the periods a chart shows, oldest first, and the
    moment the first one starts."""

    starts: list[date]
    since: datetime


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def weeks_back(*, now: datetime, count: int) -> Periods:
    """The last `count` weeks (Mondays), this one included."""
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=count - 1 - i) for i in range(count)]
    return Periods(starts=starts, since=_start_of(starts[0]))


def months_back(*, now: datetime, count: int) -> Periods:
    """The last `count` months (their first days), this one included."""
    today = timezone.localdate(now)
    starts = []
    year, month = today.year, today.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    return Periods(starts=starts, since=_start_of(starts[0]))


def month_start(*, now: datetime) -> datetime:
    """When the current month began."""
    return months_back(now=now, count=1).since
