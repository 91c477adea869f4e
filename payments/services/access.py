"""What refunds and disputes both need: the purchase behind a PaymentIntent,
locked first (the house order: purchase, then its refund or dispute rows, then
the enrollment), and the buyer's access made to follow the purchase's state.

Access follows from the state, never from the last event: a purchase *stands*
while it is complete (not refunded in full) and no dispute of it is open or
lost. `access_sync` is called after every change of that state, so the order
in which Stripe's events arrive cannot matter."""

from __future__ import annotations

import logging
from enum import StrEnum

from enrollments.models import Enrollment
from enrollments.services import (
    enrollment_grant,
    enrollment_purchase_move,
    enrollment_restore,
    enrollment_revoke,
)
from payments.models import Purchase
from payments.services.errors import RetryLater
from payments.services.notices import Notice

logger = logging.getLogger(__name__)

SUSPENDING_DISPUTES = (Purchase.DisputeStatus.OPEN, Purchase.DisputeStatus.LOST)


class AccessChange(StrEnum):
    NONE = "none"  # access was already what the state says
    ENDED = "ended"  # this call revoked the enrollment
    MOVED = "moved"  # another payment for the course now holds the access up
    GRANTED = "granted"  # this call created the enrollment ("Course enrolled!")
    RESTORED = "restored"  # this call re-activated a revoked enrollment


def purchase_lock_for_payment_intent(payment_intent: str, *, what: str) -> Purchase:
    """The purchase paid by `payment_intent`, locked. Raises RetryLater if it is
    not known yet (Stripe does not order events: a refund may come before the
    checkout's event). Call inside a transaction, before any other lock."""
    purchase = (
        Purchase.objects.select_for_update(of=("self",))
        .select_related("user", "course")
        .filter(payment_intent=payment_intent)
        .first()
    )
    if purchase is None:
        raise RetryLater(f"{what}: no purchase with payment_intent {payment_intent} yet")
    return purchase


def purchase_stands(purchase: Purchase) -> bool:
    """Whether this payment holds access up: complete, and no dispute open or lost."""
    return purchase.status == Purchase.Status.COMPLETE and purchase.dispute_status not in SUSPENDING_DISPUTES


def _other_standing_purchase(purchase: Purchase) -> Purchase | None:
    return (
        Purchase.objects.filter(
            user_id=purchase.user_id, course_id=purchase.course_id, status=Purchase.Status.COMPLETE
        )
        .exclude(dispute_status__in=SUSPENDING_DISPUTES)
        .exclude(pk=purchase.pk)
        .order_by("completed_at", "pk")
        .first()
    )


def access_sync(purchase: Purchase, *, restored: Notice, restored_key: str) -> AccessChange:
    """Make the buyer's access to the course agree with `purchase`'s state.

    A standing purchase whose buyer has no active access gets it back (told with
    `restored`, e-mailed once per `restored_key`), or gets it for the first time.
    A purchase that no longer stands takes back the access it held up, unless the
    buyer paid for the course twice and the other payment stands: access moves to
    it. The enrollment is locked by (user, course), so two events about the same
    buyer's two purchases wait for each other. The caller holds the purchase's lock."""
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(user_id=purchase.user_id, course_id=purchase.course_id)
        .first()
    )
    if purchase_stands(purchase):
        if enrollment is None:
            enrollment_grant(user=purchase.user, course=purchase.course, purchase_id=purchase.pk)
            return AccessChange.GRANTED
        if enrollment.is_active:
            return AccessChange.NONE
        if enrollment.purchase_id != purchase.pk:
            enrollment_purchase_move(enrollment=enrollment, purchase_id=purchase.pk)
        enrollment_restore(
            enrollment=enrollment, title=restored.title, reason=restored.message, email_key=restored_key
        )
        return AccessChange.RESTORED
    if enrollment is None or not enrollment.is_active or enrollment.purchase_id != purchase.pk:
        return AccessChange.NONE
    other = _other_standing_purchase(purchase)
    if other is not None:
        enrollment_purchase_move(enrollment=enrollment, purchase_id=other.pk)
        logger.info("Purchase %s taken back; access now rests on purchase %s", purchase.pk, other.pk)
        return AccessChange.MOVED
    enrollment_revoke(enrollment=enrollment)
    return AccessChange.ENDED


def access_active(purchase: Purchase) -> bool:
    """Whether the buyer has active access to the course now (through any payment)."""
    return Enrollment.objects.filter(
        user_id=purchase.user_id, course_id=purchase.course_id, status=Enrollment.Status.ACTIVE
    ).exists()
