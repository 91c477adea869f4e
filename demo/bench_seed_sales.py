"""The big course's sales for `seed_bench` (a step of demo/bench_seed_big.py):
its Checkout Sessions as demo/bench_big_plan.py plans them, the refunds behind
their refunded amounts, and the access each paid one holds up, as
`payments.services` would have left them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from courses.models import Course
from demo.bench_big_plan import DAY, PlannedPurchase
from demo.bench_data import BIG_COURSE, BIG_SLUG
from enrollments.models import Enrollment
from payments.models import Purchase, Refund

REFUND_AFTER = 14 * DAY  # a refund comes two weeks after the sale (or half-way to now, if sooner)


def big_course_purchases_count() -> int:
    return Purchase.objects.filter(course__slug=BIG_SLUG).count()


def big_course_sales_seed(
    *,
    purchases: Sequence[PlannedPurchase],
    users: dict[int, int],
    now: datetime,
    out: Callable[[str], None],
) -> None:
    """Write `purchases` (dated as planned, `users` maps the bench students'
    indexes to user ids) with their refunds; link each paid one to its
    enrollment, revoked by a full refund or the lost dispute."""

    def ago(seconds: float) -> datetime:
        return now - timedelta(seconds=seconds)

    sales = BIG_COURSE["sales"]
    course = Course.objects.get(slug=BIG_SLUG)
    # For a database seeded when the big course was still free.
    Course.objects.filter(pk=course.pk).update(price=Decimal(sales["price"]), currency=sales["currency"])
    rows = [_purchase(planned, users[planned.student], course, ago(planned.created)) for planned in purchases]
    Purchase.objects.bulk_create(rows)
    for row, planned in zip(rows, purchases, strict=True):
        row.created_at = ago(planned.created)  # bulk_create stamped them now (auto_now_add)
    Purchase.objects.bulk_update(rows, ["created_at"], batch_size=1_000)

    refunded = [(row, planned) for row, planned in zip(rows, purchases, strict=True) if planned.refunded]
    refunds = Refund.objects.bulk_create(
        Refund(
            purchase=row,
            stripe_refund_id=f"re_bench_big_{planned.number:05d}",
            amount=planned.refunded,
            status=Refund.Status.SUCCEEDED,
        )
        for row, planned in refunded
    )
    for refund, (_, planned) in zip(refunds, refunded, strict=True):
        refund.created_at = refund.updated_at = ago(max(planned.created - REFUND_AFTER, planned.created / 2))
    Refund.objects.bulk_update(refunds, ["created_at", "updated_at"])

    paid = {row.user_id: (row, planned) for row, planned in zip(rows, purchases, strict=True) if planned.paid}
    enrollments = list(Enrollment.objects.filter(course=course, user_id__in=paid))
    for enrollment in enrollments:
        enrollment.purchase, planned = paid[enrollment.user_id]
        if planned.revoked:
            enrollment.status = Enrollment.Status.REVOKED
    Enrollment.objects.bulk_update(enrollments, ["purchase", "status"])
    revoked = sum(planned.revoked for _, planned in paid.values())
    out(f"  purchases: {len(rows)} ({len(paid)} paid), refunds: {len(refunds)}, access revoked: {revoked}")


def _purchase(planned: PlannedPurchase, user_id: int, course: Course, created: datetime) -> Purchase:
    if planned.paid:
        status = Purchase.Status.REFUNDED if planned.refunded >= planned.amount else Purchase.Status.COMPLETE
    else:
        status = Purchase.Status.FAILED if planned.failed else Purchase.Status.EXPIRED
    dispute = f"dp_bench_big_{planned.number:05d}" if planned.dispute_lost else ""
    return Purchase(
        user_id=user_id,
        course=course,
        amount=planned.amount,
        currency=planned.currency,
        stripe_session_id=f"cs_bench_big_{planned.number:05d}",
        payment_intent=f"pi_bench_big_{planned.number:05d}" if planned.paid else "",
        status=status,
        amount_refunded=planned.refunded,
        expires_at=created + timedelta(days=1),
        completed_at=created + timedelta(minutes=1) if planned.paid else None,
        dispute_status=Purchase.DisputeStatus.LOST if dispute else Purchase.DisputeStatus.NONE,
        stripe_dispute_id=dispute,
        problem=f"Disputed (fraudulent): {dispute}" if dispute else "",
    )
