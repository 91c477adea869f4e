"""Disputes: an open dispute suspends the access its payment held up; a dispute
won (or an inquiry closed) gives it back; a lost one keeps it revoked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from enrollments.services import enrollment_grant, enrollment_restore
from payments.models import Purchase
from payments.services import notices
from payments.services.access import access_withdraw, enrollment_lock_for, purchase_lock_for_payment_intent

DISPUTE_RESTORES_ACCESS = frozenset({"won", "warning_closed"})


@transaction.atomic
def purchase_dispute_open(*, dispute: Mapping[str, Any]) -> Purchase:
    """`charge.dispute.created`: access is suspended and the purchase flagged for staff."""
    purchase = purchase_lock_for_payment_intent(
        dispute.get("payment_intent"), what=f"Dispute {dispute.get('id')}"
    )
    if purchase.dispute_status == Purchase.DisputeStatus.OPEN:
        return purchase
    purchase.dispute_status = Purchase.DisputeStatus.OPEN
    purchase.stripe_dispute_id = dispute.get("id") or ""
    purchase.problem_note(f"Disputed ({dispute.get('reason') or 'no reason given'}): {dispute.get('id')}")
    purchase.save(update_fields=["dispute_status", "stripe_dispute_id", "problem"])
    if access_withdraw(purchase):
        notices.notice_send(
            purchase,
            notices.notice("access_suspended", purchase),
            event=f"dispute_opened:{purchase.stripe_dispute_id}",
        )
    return purchase


@transaction.atomic
def purchase_dispute_close(*, dispute: Mapping[str, Any]) -> Purchase:
    """`charge.dispute.closed`: won (or an inquiry closed) restores access; lost keeps it revoked."""
    purchase = purchase_lock_for_payment_intent(
        dispute.get("payment_intent"), what=f"Dispute {dispute.get('id')}"
    )
    won = dispute.get("status") in DISPUTE_RESTORES_ACCESS
    new_status = Purchase.DisputeStatus.WON if won else Purchase.DisputeStatus.LOST
    if purchase.dispute_status == new_status:
        return purchase
    purchase.dispute_status = new_status
    purchase.save(update_fields=["dispute_status"])
    if won and purchase.status == Purchase.Status.COMPLETE:
        enrollment = enrollment_lock_for(purchase)
        if enrollment is None:
            enrollment_grant(user=purchase.user, course=purchase.course, purchase_id=purchase.pk)
        else:
            notice = notices.notice("access_restored", purchase)
            enrollment_restore(
                enrollment=enrollment,
                title=notice.title,
                reason=notice.message,
                email_key=f"purchase:{purchase.pk}:dispute_won:{dispute.get('id') or ''}",
            )
    return purchase
