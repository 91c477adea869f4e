"""Refunds: each Stripe refund is recorded once under its id, and a purchase's
refunded amount is what Stripe says was refunded so far (never a running
addition: the same refund arrives as several events). A full refund takes the
access back."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from enrollments.selectors import enrollment_active_exists
from lms.money import from_minor_units, to_minor_units
from payments.models import Purchase, Refund
from payments.services import notices
from payments.services.access import access_withdraw, purchase_lock_for_payment_intent

logger = logging.getLogger(__name__)

# Refunds that count against the charge (Stripe's charge.amount_refunded counts these too).
REFUND_COUNTED_STATUSES = frozenset({Refund.Status.SUCCEEDED, Refund.Status.PENDING})


def _refund_record(*, purchase: Purchase, refund: Mapping[str, Any]) -> None:
    amount = from_minor_units(refund.get("amount") or 0, purchase.currency)
    status = refund.get("status") or Refund.Status.SUCCEEDED
    try:
        with transaction.atomic():
            Refund.objects.create(
                purchase=purchase, stripe_refund_id=refund["id"], amount=amount, status=status
            )
    except IntegrityError:
        Refund.objects.filter(stripe_refund_id=refund["id"]).update(status=status, amount=amount)


def _purchase_refunded_apply(*, purchase: Purchase, refunded_minor: int) -> Purchase:
    """Raise `amount_refunded` to what Stripe says was refunded so far (never add up:
    the same refund arrives as several events). The caller holds the purchase lock."""
    refunded = from_minor_units(refunded_minor, purchase.currency)
    if refunded <= purchase.amount_refunded:
        return purchase  # seen already, or an older event arriving late
    purchase.amount_refunded = refunded
    fields = ["amount_refunded"]
    if refunded >= purchase.amount:
        purchase.status = Purchase.Status.REFUNDED
        fields.append("status")
        if access_withdraw(purchase):
            access = notices.AccessAfterRefund.ENDED
        elif enrollment_active_exists(user=purchase.user, course=purchase.course):
            # Bought again, or paid twice: another purchase holds the access up.
            access = notices.AccessAfterRefund.KEPT_THROUGH_OTHER_PURCHASE
        else:
            access = notices.AccessAfterRefund.NOT_HELD
        notice = notices.notice("refunded_in_full", purchase, refunded=refunded, access=access)
    else:
        notice = notices.notice("refunded_in_part", purchase, refunded=refunded)
    # One notice for each new refunded total (the same refund arrives as several events).
    notices.notice_send(purchase, notice, event=f"refunded:{refunded}")
    purchase.save(update_fields=fields)
    return purchase


def _refunds_counted_minor(purchase: Purchase) -> int:
    total = purchase.refunds.filter(status__in=REFUND_COUNTED_STATUSES).aggregate(s=Sum("amount"))["s"]
    return to_minor_units(total or Decimal("0"), purchase.currency)


@transaction.atomic
def purchase_charge_refunded(*, charge: Mapping[str, Any]) -> Purchase:
    """`charge.refunded`: the charge's cumulative `amount_refunded` is the truth."""
    purchase = purchase_lock_for_payment_intent(
        charge.get("payment_intent"), what=f"Charge {charge.get('id')}"
    )
    for refund in (charge.get("refunds") or {}).get("data") or []:
        _refund_record(purchase=purchase, refund=refund)
    refunded_minor = max(int(charge.get("amount_refunded") or 0), _refunds_counted_minor(purchase))
    return _purchase_refunded_apply(purchase=purchase, refunded_minor=refunded_minor)


@transaction.atomic
def purchase_refund_sync(*, refund: Mapping[str, Any]) -> Purchase:
    """`refund.created`, `refund.updated`, `refund.failed`: recorded once under the refund's
    id; the purchase's total is the sum of distinct refunds, never a running addition."""
    purchase = purchase_lock_for_payment_intent(
        refund.get("payment_intent"), what=f"Refund {refund.get('id')}"
    )
    _refund_record(purchase=purchase, refund=refund)
    if refund.get("status") in (Refund.Status.FAILED, Refund.Status.CANCELED):
        logger.warning("Refund %s of purchase %s %s", refund.get("id"), purchase.pk, refund.get("status"))
        purchase.problem_note(f"Refund {refund.get('id')} {refund.get('status')}; check it in Stripe.")
        purchase.save(update_fields=["problem"])
        return purchase
    return _purchase_refunded_apply(purchase=purchase, refunded_minor=_refunds_counted_minor(purchase))
