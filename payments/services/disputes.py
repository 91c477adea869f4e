"""Disputes, in any order. Each Stripe dispute is a row under its id holding its
status in the newest event seen, so a dispute won before its
`charge.dispute.created` arrives stays won. The purchase's `dispute_status`
sums its disputes up (lost over open over won); an open dispute (an inquiry
too) suspends the access its payment held up, a won or closed one gives it
back, a lost one keeps it revoked (README, Payments, "In any order")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.money import from_minor_units
from payments.models import Dispute, Purchase
from payments.services import notices
from payments.services import stripe_objects as read
from payments.services.access import (
    AccessChange,
    access_active,
    access_sync,
    purchase_lock_for_payment_intent,
)
from payments.services.errors import PermanentEventError

# A closed dispute wins a tie of event times (Stripe stamps events to the second).
_RANK = {
    Dispute.Status.WARNING_NEEDS_RESPONSE: 0,
    Dispute.Status.NEEDS_RESPONSE: 0,
    Dispute.Status.WARNING_UNDER_REVIEW: 1,
    Dispute.Status.UNDER_REVIEW: 1,
    Dispute.Status.WON: 2,
    Dispute.Status.LOST: 2,
    Dispute.Status.WARNING_CLOSED: 2,
    Dispute.Status.PREVENTED: 2,
}


def _dispute_record(
    *, purchase: Purchase, dispute: Mapping[str, Any], seen: datetime
) -> tuple[str | None, str]:
    """Store what `dispute` says if it is newer than what is stored; returns its
    status before (None: not known) and after. The caller holds the purchase's lock."""
    dispute_id = read.stripe_id(dispute, what="Dispute")
    what = f"Dispute {dispute_id}"
    fields = {
        "amount": from_minor_units(
            read.minor_amount(dispute, "amount", what=what, default=0), purchase.currency
        ),
        "currency": read.currency(dispute, what=what) or purchase.currency,
        "status": read.choice(dispute, "status", Dispute.Status, what=what),
        "reason": read.short_text(dispute, "reason", what=what, max_length=100),
        "stripe_created": read.timestamp(dispute, what=what),
        "event_created": seen,
    }
    row = Dispute.objects.select_for_update().filter(stripe_dispute_id=dispute_id).first()
    if row is None:
        try:
            with transaction.atomic():
                Dispute.objects.create(purchase=purchase, stripe_dispute_id=dispute_id, **fields)
            return None, fields["status"]
        except IntegrityError:
            row = Dispute.objects.select_for_update().get(stripe_dispute_id=dispute_id)
    if row.purchase_id != purchase.pk:
        raise PermanentEventError(f"{what} belongs to purchase {row.purchase_id}, not {purchase.pk}")
    before = row.status
    stored = row.event_created
    if stored is not None and (seen < stored or (seen == stored and _RANK[fields["status"]] < _RANK[before])):
        return before, before  # an older event arriving late: what is stored is newer
    fields["stripe_created"] = fields["stripe_created"] or row.stripe_created
    fields["reason"] = fields["reason"] or row.reason
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=[*fields, "updated_at"])
    return before, row.status


def _dispute_summary(purchase: Purchase) -> tuple[str, str]:
    """(dispute_status, the id of the dispute that decides it) from the purchase's disputes."""
    disputes = list(purchase.disputes.order_by("-stripe_created", "-pk"))
    for summary, statuses in (
        (Purchase.DisputeStatus.LOST, (Dispute.Status.LOST,)),
        (Purchase.DisputeStatus.OPEN, Dispute.OPEN),
        (
            Purchase.DisputeStatus.WON,
            (Dispute.Status.WON, Dispute.Status.WARNING_CLOSED, Dispute.Status.PREVENTED),
        ),
    ):
        deciding = next((d for d in disputes if d.status in statuses), None)
        if deciding is not None:
            return summary, deciding.stripe_dispute_id
    return Purchase.DisputeStatus.NONE, ""


@transaction.atomic
def purchase_dispute_sync(*, dispute: Mapping[str, Any], seen: datetime | None = None) -> Purchase:
    """`charge.dispute.created`, `.updated`, `.closed`, `.funds_withdrawn`,
    `.funds_reinstated` (or a dispute listed by Stripe): record the dispute as of
    `seen` (the event's `created`; now for an object just fetched from Stripe),
    then make access follow the purchase's state and tell the buyer, once per
    dispute, what changed."""
    dispute = read.mapping(dispute, what="Dispute")
    what = f"Dispute {dispute.get('id')!r}"
    purchase = purchase_lock_for_payment_intent(
        read.stripe_id(dispute, "payment_intent", what=what), what=what
    )
    before, after = _dispute_record(purchase=purchase, dispute=dispute, seen=seen or timezone.now())
    dispute_id = dispute["id"]
    if before is None:
        purchase.problem_note(f"Disputed ({dispute.get('reason') or 'no reason given'}): {dispute_id}")
    purchase.dispute_status, purchase.stripe_dispute_id = _dispute_summary(purchase)
    purchase.save(update_fields=["dispute_status", "stripe_dispute_id", "problem"])

    change = access_sync(
        purchase,
        restored=notices.notice("access_restored", purchase),
        restored_key=f"purchase:{purchase.pk}:dispute_won:{dispute_id}",
    )
    if after == Dispute.Status.LOST and before != after and not access_active(purchase):
        notices.notice_send(
            purchase, notices.notice("access_ended", purchase), event=f"dispute_lost:{dispute_id}"
        )
    elif change == AccessChange.ENDED:
        notices.notice_send(
            purchase, notices.notice("access_suspended", purchase), event=f"dispute_opened:{dispute_id}"
        )
    return purchase
