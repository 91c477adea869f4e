"""Refunds, in any order. Each Stripe refund is a row under its id holding its
status in the newest event seen; the charge's own total (`charge.refunded`) is
kept the same way. The purchase's refunded amount is computed from them, never
added up event by event, so a refund that is created pending and then fails
gives the money back to the total, and a retry of an old event changes nothing.

The rule (README, Payments, "In any order"): a refund counts from the moment
Stripe creates it (pending, requires_action or succeeded) until it fails or is
canceled, as Stripe's own `charge.amount_refunded` does. To that is added what
the newest `charge.refunded` reported beyond the refunds known one by one that
it already included (made by then, and not failed by then): money refunded
through refunds whose own events never came."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.money import from_minor_units
from payments.models import Purchase, Refund
from payments.services import notices
from payments.services import stripe_objects as read
from payments.services.access import (
    AccessChange,
    access_active,
    access_sync,
    purchase_lock_for_payment_intent,
)
from payments.services.errors import PermanentEventError

logger = logging.getLogger(__name__)

# A later status wins a tie of event times (Stripe stamps events to the second).
_RANK = {
    Refund.Status.PENDING: 0,
    Refund.Status.REQUIRES_ACTION: 1,
    Refund.Status.SUCCEEDED: 2,
    Refund.Status.FAILED: 3,
    Refund.Status.CANCELED: 3,
}
_GIVEN_BACK = (Refund.Status.FAILED, Refund.Status.CANCELED)


def _is_newer(*, stored: datetime | None, stored_status: str, seen: datetime, status: str) -> bool:
    if stored is None or seen > stored:
        return True
    return seen == stored and _RANK[status] >= _RANK[stored_status]


def _refund_record(
    *, purchase: Purchase, refund: Mapping[str, Any], seen: datetime
) -> tuple[str | None, str]:
    """Store what `refund` says if it is newer than what is stored. Returns the
    refund's status before and after (None before: it was not known). The caller
    holds the purchase's lock, which every change of its refunds takes first."""
    what = "Refund"
    refund = read.mapping(refund, what=what)
    refund_id = read.stripe_id(refund, what=what)
    what = f"Refund {refund_id}"
    fields = {
        "amount": from_minor_units(read.minor_amount(refund, "amount", what=what), purchase.currency),
        "currency": read.currency(refund, what=what) or purchase.currency,
        "status": read.choice(refund, "status", Refund.Status, what=what, default=Refund.Status.SUCCEEDED),
        "stripe_created": read.timestamp(refund, what=what),
        "event_created": seen,
    }
    row = Refund.objects.select_for_update().filter(stripe_refund_id=refund_id).first()
    if row is None:
        try:
            with transaction.atomic():
                Refund.objects.create(purchase=purchase, stripe_refund_id=refund_id, **fields)
            return None, fields["status"]
        except IntegrityError:
            row = Refund.objects.select_for_update().get(stripe_refund_id=refund_id)
    if row.purchase_id != purchase.pk:
        raise PermanentEventError(f"{what} belongs to purchase {row.purchase_id}, not {purchase.pk}")
    before = row.status
    if not _is_newer(stored=row.event_created, stored_status=row.status, seen=seen, status=fields["status"]):
        return before, before  # an older event arriving late: what is stored is newer
    fields["stripe_created"] = fields["stripe_created"] or row.stripe_created
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=[*fields, "updated_at"])
    return before, row.status


def refunded_total(purchase: Purchase) -> Decimal:
    """What has been refunded of `purchase`, by the rule in this module's docstring."""
    refunds = list(purchase.refunds.all())
    counted = sum((r.amount for r in refunds if r.status in Refund.COUNTED), Decimal("0"))
    charge_at = purchase.charge_event_created

    def in_charge_total(r: Refund) -> bool:
        if charge_at is None:
            return True
        made_by_then = r.stripe_created is None or r.stripe_created <= charge_at
        given_back_by_then = r.status in _GIVEN_BACK and (
            r.event_created is None or r.event_created <= charge_at
        )
        return made_by_then and not given_back_by_then

    already_known = sum((r.amount for r in refunds if in_charge_total(r)), Decimal("0"))
    beyond_known = max(Decimal("0"), purchase.charge_amount_refunded - already_known)
    return min(purchase.amount, counted + beyond_known)


def _refunds_settle(purchase: Purchase, *, given_back: Refund | None) -> Purchase:
    """Recompute the refunded total and the status from the rows, make access
    follow, and tell the buyer what changed. The caller holds the purchase's lock."""
    before = purchase.amount_refunded
    total = refunded_total(purchase)
    full = total > 0 and total >= purchase.amount
    purchase.amount_refunded = total
    if purchase.status in (Purchase.Status.COMPLETE, Purchase.Status.REFUNDED, Purchase.Status.PENDING):
        if full:
            purchase.status = Purchase.Status.REFUNDED
        else:
            purchase.status = Purchase.Status.COMPLETE if purchase.completed_at else Purchase.Status.PENDING
    purchase.save(update_fields=["amount_refunded", "status"])

    name = (
        "refund_canceled" if given_back and given_back.status == Refund.Status.CANCELED else "refund_failed"
    )
    amount_back = given_back.amount if given_back else before - total
    restored = notices.notice(name, purchase, refunded=amount_back, access=notices.AccessAfterRefund.RESTORED)
    key = f"{name}:{given_back.stripe_refund_id}" if given_back else f"refund_reversed:{total}"
    change = access_sync(purchase, restored=restored, restored_key=key)

    if total > before:
        # One notice for each new refunded total (the same refund arrives as several events).
        if full:
            if change == AccessChange.ENDED:
                access = notices.AccessAfterRefund.ENDED
            elif access_active(purchase):
                access = notices.AccessAfterRefund.KEPT_THROUGH_OTHER_PURCHASE
            else:
                access = notices.AccessAfterRefund.NOT_HELD
            notice = notices.notice("refunded_in_full", purchase, refunded=total, access=access)
        else:
            notice = notices.notice("refunded_in_part", purchase, refunded=total)
        notices.notice_send(purchase, notice, event=f"refunded:{total}")
    elif given_back is not None and change != AccessChange.RESTORED:
        # Told once per refund that failed, whether or not access had gone meanwhile.
        access = (
            notices.AccessAfterRefund.KEPT if access_active(purchase) else notices.AccessAfterRefund.NOT_HELD
        )
        notices.notice_send(
            purchase, notices.notice(name, purchase, refunded=amount_back, access=access), event=key
        )
    return purchase


def _given_back(purchase: Purchase, refund_id: str, before: str | None, after: str) -> Refund | None:
    """The refund, if this event is the one that saw it fail or be canceled."""
    if after not in _GIVEN_BACK or before == after:
        return None
    logger.warning("Refund %s of purchase %s %s", refund_id, purchase.pk, after)
    purchase.problem_note(f"Refund {refund_id} {after}; check it in Stripe.")
    purchase.save(update_fields=["problem"])
    return Refund.objects.get(stripe_refund_id=refund_id)


@transaction.atomic
def purchase_refund_sync(*, refund: Mapping[str, Any], seen: datetime | None = None) -> Purchase:
    """`refund.created`, `refund.updated`, `refund.failed`, `charge.refund.updated`
    (or a refund listed by Stripe): record the refund as of `seen` (the event's
    `created`; now for an object just fetched from Stripe) and settle the purchase."""
    refund = read.mapping(refund, what="Refund")
    what = f"Refund {refund.get('id')!r}"
    purchase = purchase_lock_for_payment_intent(
        read.stripe_id(refund, "payment_intent", what=what), what=what
    )
    before, after = _refund_record(purchase=purchase, refund=refund, seen=seen or timezone.now())
    given_back = _given_back(purchase, refund["id"], before, after)
    return _refunds_settle(purchase, given_back=given_back)


@transaction.atomic
def purchase_charge_refunded(*, charge: Mapping[str, Any], seen: datetime | None = None) -> Purchase:
    """`charge.refunded`: the charge's cumulative `amount_refunded` as of `seen`,
    kept unless a newer charge event is stored; the refunds it lists (older API
    versions) are recorded one by one."""
    charge = read.mapping(charge, what="Charge")
    what = f"Charge {charge.get('id')!r}"
    seen = seen or timezone.now()
    purchase = purchase_lock_for_payment_intent(
        read.stripe_id(charge, "payment_intent", what=what), what=what
    )
    amount = from_minor_units(
        read.minor_amount(charge, "amount_refunded", what=what, default=0), purchase.currency
    )
    listed = charge.get("refunds")
    listed = read.mapping(listed, what=f"{what}: refunds").get("data") if listed is not None else None
    if listed is not None and not isinstance(listed, list):
        raise PermanentEventError(f"{what}: refunds.data is not a list")
    given_back = None
    for refund in listed or []:
        refund = read.mapping(refund, what=f"{what}: a listed refund")
        before, after = _refund_record(purchase=purchase, refund=refund, seen=seen)
        given_back = _given_back(purchase, refund["id"], before, after) or given_back
    stored = purchase.charge_event_created
    if stored is None or seen > stored or (seen == stored and amount >= purchase.charge_amount_refunded):
        purchase.charge_amount_refunded = amount
        purchase.charge_event_created = seen
        purchase.save(update_fields=["charge_amount_refunded", "charge_event_created"])
    return _refunds_settle(purchase, given_back=given_back)
