"""What refunds and disputes both need: the purchase behind a PaymentIntent
and the enrollment it paid for, locked in the house order (purchase, then
enrollment), and taking back the access a purchase paid for."""

from __future__ import annotations

import logging

from enrollments.models import Enrollment
from enrollments.services import enrollment_purchase_move, enrollment_revoke
from payments.models import Purchase
from payments.services.errors import PermanentEventError, RetryLater

logger = logging.getLogger(__name__)


def purchase_lock_for_payment_intent(payment_intent: str | None, *, what: str) -> Purchase:
    if not payment_intent:
        raise PermanentEventError(f"{what} has no payment_intent, so it cannot be tied to a purchase")
    purchase = (
        Purchase.objects.select_for_update(of=("self",))
        .select_related("user", "course")
        .filter(payment_intent=payment_intent)
        .first()
    )
    if purchase is None:
        # Stripe does not order events: the refund may come before the checkout's event.
        raise RetryLater(f"{what}: no purchase with payment_intent {payment_intent} yet")
    return purchase


def enrollment_lock_for(purchase: Purchase) -> Enrollment | None:
    """The enrollment this purchase paid for, locked; None if access now rests on
    another purchase (or on none). The row is locked by (user, course), not by
    purchase, so that two refunds or disputes of the same buyer's two purchases
    wait for each other instead of each missing the other's change."""
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(user_id=purchase.user_id, course_id=purchase.course_id)
        .first()
    )
    if enrollment is None or enrollment.purchase_id != purchase.pk:
        return None
    return enrollment


def access_withdraw(purchase: Purchase) -> bool:
    """Take back the access `purchase` paid for (a full refund, a dispute). If the
    buyer paid for the course twice and the other payment still stands, access
    moves to that purchase instead. Returns whether access ended with this call.
    The caller holds the purchase's lock."""
    enrollment = enrollment_lock_for(purchase)
    if enrollment is None or not enrollment.is_active:
        return False
    other = (
        Purchase.objects.filter(
            user_id=purchase.user_id,
            course_id=purchase.course_id,
            status=Purchase.Status.COMPLETE,
            dispute_status__in=[Purchase.DisputeStatus.NONE, Purchase.DisputeStatus.WON],
        )
        .exclude(pk=purchase.pk)
        .order_by("completed_at", "pk")
        .first()
    )
    if other is not None:
        enrollment_purchase_move(enrollment=enrollment, purchase_id=other.pk)
        logger.info("Purchase %s taken back; access now rests on purchase %s", purchase.pk, other.pk)
        return False
    enrollment_revoke(enrollment=enrollment)
    return True
