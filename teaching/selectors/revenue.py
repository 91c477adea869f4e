"""The money of the teaching pages, by one set of rules, in the database.

A purchase is *paid* once it has `completed_at` (complete, or refunded since).
Of the paid purchases: gross is the sum of their amounts; refunded is what was
taken back, `amount_refunded` of each, or all of it when the payment was lost
in a dispute; net is gross − refunded. Partial refunds count what was refunded.
A purchase's amount is what the buyer paid, after promotion codes: discounts
(what the codes took off the list price) are a figure of their own, never in gross.
Currencies are never added together: every figure is per currency. Revenue per
month is by the month of the sale (`completed_at`), net of what has been
refunded of those sales since.

Each figure is a SUM with a filter (a conditional aggregate) grouped by
currency; Python only subtracts two Decimals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Case, Count, DateField, DecimalField, F, Q, Sum, When
from django.db.models.functions import TruncMonth

from lms.db_routers import replica_reads
from payments.models import Purchase
from teaching.selectors.figures import Periods, percent

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from courses.models import Course

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
PAID = Q(completed_at__isnull=False)
# Every penny of these came back: refunded in full, or lost in a dispute.
LOST_IN_FULL = Q(status=Purchase.Status.REFUNDED) | Q(dispute_status=Purchase.DisputeStatus.LOST)


def _taken_back() -> Case:
    """What was taken back of one paid purchase."""
    return Case(
        When(dispute_status=Purchase.DisputeStatus.LOST, then=F("amount")),
        default=F("amount_refunded"),
        output_field=MONEY,
    )


def money_sums(prefix: str = "", *, when: Q | None = None) -> dict[str, Sum]:
    """`{prefix}gross` and `{prefix}refunded` of the paid purchases (of those matching `when`)."""
    paid = PAID & when if when is not None else PAID
    return {
        f"{prefix}gross": Sum("amount", filter=paid, output_field=MONEY, default=ZERO),
        f"{prefix}refunded": Sum(_taken_back(), filter=paid, output_field=MONEY, default=ZERO),
        f"{prefix}discounts": Sum("amount_discount", filter=paid, output_field=MONEY, default=ZERO),
    }


@dataclass(frozen=True)
class Money:
    """Gross (what buyers paid), refunded and net of one currency, and the
    discounts promotion codes gave (not in gross)."""

    currency: str
    gross: Decimal = ZERO
    refunded: Decimal = ZERO
    discounts: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.refunded

    @property
    def list_price(self) -> Decimal:
        """What the sales would have brought at the courses' prices, before discounts."""
        return self.gross + self.discounts


def _cents(amount: Decimal) -> Decimal:
    # The amounts are stored with two decimals, so their sums have two too.
    # PostgreSQL sums them exactly; SQLite stores them as REAL and Django hands
    # its sums back unrounded ("509.990000000000"): rounding to the cent is exact
    # for any sum a course can reach.
    return amount.quantize(ZERO)


def _money(row: dict, currency: str, prefix: str = "") -> Money:
    return Money(
        currency=currency,
        gross=_cents(row[f"{prefix}gross"]),
        refunded=_cents(row[f"{prefix}refunded"]),
        discounts=_cents(row[f"{prefix}discounts"]),
    )


# --- the dashboard: every course in one query --------------------------------------------------


@dataclass(frozen=True)
class CourseRevenue:
    """One currency of one course: this month's sales and all of them (net of refunds)."""

    currency: str
    this_month: Money
    all_time: Money


def revenue_by_course(*, courses: QuerySet[Course], month_start: datetime) -> dict[int, list[CourseRevenue]]:
    """Per course id, its revenue in each currency it sold in (course currency
    order is the caller's). One query: GROUP BY course, currency."""
    rows = (
        Purchase.objects.filter(PAID, course__in=courses)
        .values("course_id", "currency")
        .annotate(**money_sums(), **money_sums("month_", when=Q(completed_at__gte=month_start)))
        .order_by("course_id", "currency")
    )
    revenue: dict[int, list[CourseRevenue]] = defaultdict(list)
    for row in rows:
        currency = row["currency"]
        revenue[row["course_id"]].append(
            CourseRevenue(
                currency=currency,
                this_month=_money(row, currency, "month_"),
                all_time=_money(row, currency),
            )
        )
    return revenue


# --- one course ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkouts:
    """Stripe Checkout Sessions of a course: started (every purchase), paid, and
    paid but refunded in full or lost in a dispute."""

    started: int = 0
    paid: int = 0
    refunded: int = 0

    @property
    def paid_rate(self) -> Decimal | None:
        return percent(self.paid, self.started)

    @property
    def refunded_rate(self) -> Decimal | None:
        return percent(self.refunded, self.paid)


@dataclass(frozen=True)
class CourseSales:
    """All-time money of a course, per currency (the course's own first), and its checkouts."""

    currency: str  # the course's
    by_currency: tuple[Money, ...]
    checkouts: Checkouts

    @property
    def main(self) -> Money:
        """The figures in the course's currency (zero when it sold nothing in it)."""
        return next((m for m in self.by_currency if m.currency == self.currency), Money(self.currency))

    @property
    def others(self) -> tuple[Money, ...]:
        return tuple(m for m in self.by_currency if m.currency != self.currency)


@replica_reads()
def course_sales_get(*, course: Course) -> CourseSales:
    """One query: the course's purchases GROUP BY currency, with the money
    and the checkout counts as conditional aggregates."""
    rows = (
        Purchase.objects.filter(course=course)
        .values("currency")
        .annotate(
            started=Count("pk"),
            paid=Count("pk", filter=PAID),
            refunded_in_full=Count("pk", filter=PAID & LOST_IN_FULL),
            **money_sums(),
        )
        .order_by("currency")
    )
    by_currency, started, paid, refunded = [], 0, 0, 0
    for row in rows:
        started += row["started"]
        paid += row["paid"]
        refunded += row["refunded_in_full"]
        if row["paid"]:
            by_currency.append(_money(row, row["currency"]))
    by_currency.sort(key=lambda m: (m.currency != course.currency, m.currency))
    return CourseSales(
        currency=course.currency,
        by_currency=tuple(by_currency),
        checkouts=Checkouts(started=started, paid=paid, refunded=refunded),
    )


@dataclass(frozen=True)
class MonthRevenue:
    month: date
    money: Money


@replica_reads()
def course_revenue_by_month(*, course: Course, months: Periods) -> dict[str, list[MonthRevenue]]:
    """Per currency (the course's first, always present), a row for each of
    `months`: the sales of that month, net of what was refunded of them since.
    One query: GROUP BY month, currency."""
    rows = (
        Purchase.objects.filter(PAID, course=course, completed_at__gte=months.since)
        .annotate(month=TruncMonth("completed_at", output_field=DateField()))
        .values("month", "currency")
        .annotate(**money_sums())
        .order_by("month", "currency")
    )
    found: dict[tuple[date, str], Money] = {}
    currencies = {course.currency}
    for row in rows:
        found[row["month"], row["currency"]] = _money(row, row["currency"])
        currencies.add(row["currency"])
    ordered = sorted(currencies, key=lambda c: (c != course.currency, c))
    return {
        currency: [
            MonthRevenue(month=month, money=found.get((month, currency), Money(currency)))
            for month in months.starts
        ]
        for currency in ordered
    }
