"""Catching up with Stripe after the webhook endpoint was misconfigured (or
down past Stripe's three days of retries): what Stripe has for a window of
time and this site has not applied — paid Checkout Sessions not fulfilled,
refunds and disputes not recorded or recorded in another state — applied
through the same idempotent services the webhook calls, so running it twice,
or while the webhook catches up, grants and tells nothing twice.

Objects fetched now are Stripe's newest word about them: they are applied as
of the moment the listing started, so an older event that arrives afterwards
does not undo them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from lms.money import format_money, from_minor_units
from payments.models import Dispute, Purchase, Refund
from payments.services.disputes import purchase_dispute_sync
from payments.services.errors import PermanentEventError, RetryLater
from payments.services.fulfilment import PAID_STATUSES, purchase_fulfil
from payments.services.refunds import purchase_refund_sync
from payments.stripe_client import checkout_sessions_complete_since, disputes_since, refunds_since

KINDS = ("session", "refund", "dispute")


@dataclass
class Finding:
    """One Stripe object this site has not applied."""

    kind: str  # one of KINDS
    stripe_id: str
    stripe_says: str
    here: str
    obj: Mapping[str, Any]
    result: str = ""  # after --apply: what was done, or why not


@dataclass
class Reconciliation:
    since: datetime
    listed_at: datetime
    findings: list[Finding] = field(default_factory=list)
    in_step: Counter = field(default_factory=Counter)  # kind -> already applied here
    skipped: Counter = field(default_factory=Counter)  # kind -> not paid yet / not this site's


def _money(obj: Mapping[str, Any], key: str) -> str:
    try:
        return format_money(
            from_minor_units(obj.get(key) or 0, obj.get("currency") or "usd"), obj["currency"]
        )
    except Exception:  # a display only: show Stripe's raw value
        return f"{obj.get(key)!r} {obj.get('currency')!r}"


def _session_finding(session: Mapping[str, Any], result: Reconciliation) -> Finding | None:
    if session.get("payment_status") not in PAID_STATUSES:
        result.skipped["session"] += 1  # a delayed payment still in flight
        return None
    purchase = Purchase.objects.filter(stripe_session_id=session.get("id")).first()
    if purchase is not None and purchase.completed_at is not None:
        result.in_step["session"] += 1
        return None
    metadata = session.get("metadata") or {}
    here = f"purchase #{purchase.pk} {purchase.status}" if purchase else "no purchase (rebuilt from metadata)"
    says = (
        f"paid {_money(session, 'amount_total')}, "
        f"user {metadata.get('user_id')}, course {metadata.get('course_id')}"
    )
    return Finding("session", str(session.get("id")), says, here, session)


def _payment_known(obj: Mapping[str, Any], paid_intents: set[str]) -> bool:
    intent = obj.get("payment_intent")
    return (
        intent in paid_intents
        or Purchase.objects.filter(payment_intent=intent).exclude(payment_intent="").exists()
    )


def _refund_finding(
    refund: Mapping[str, Any], result: Reconciliation, paid_intents: set[str]
) -> Finding | None:
    row = Refund.objects.filter(stripe_refund_id=refund.get("id")).first()
    if row is None and not _payment_known(refund, paid_intents):
        result.skipped["refund"] += 1  # a payment for something else sold on this Stripe account
        return None
    amount = _money(refund, "amount")
    if (
        row is not None
        and row.status == refund.get("status")
        and format_money(row.amount, row.currency) == amount
    ):
        result.in_step["refund"] += 1
        return None
    here = f"recorded as {row.status}" if row else "not recorded"
    return Finding("refund", str(refund.get("id")), f"{amount} {refund.get('status')}", here, refund)


def _dispute_finding(
    dispute: Mapping[str, Any], result: Reconciliation, paid_intents: set[str]
) -> Finding | None:
    row = Dispute.objects.filter(stripe_dispute_id=dispute.get("id")).first()
    if row is None and not _payment_known(dispute, paid_intents):
        result.skipped["dispute"] += 1
        return None
    if row is not None and row.status == dispute.get("status"):
        result.in_step["dispute"] += 1
        return None
    here = f"recorded as {row.status}" if row else "not recorded"
    return Finding(
        "dispute",
        str(dispute.get("id")),
        f"{_money(dispute, 'amount')} {dispute.get('status')}",
        here,
        dispute,
    )


def reconcile_scan(*, since: datetime) -> Reconciliation:
    """What Stripe has since `since` that this site has not applied. Reads only;
    raises `stripe.StripeError` if Stripe cannot be asked."""
    result = Reconciliation(since=since, listed_at=timezone.now())
    gte = int(since.timestamp())
    sessions = [f for s in checkout_sessions_complete_since(since=gte) if (f := _session_finding(s, result))]
    paid_intents = {str(f.obj.get("payment_intent")) for f in sessions if f.obj.get("payment_intent")}
    refunds = [f for r in refunds_since(since=gte) if (f := _refund_finding(r, result, paid_intents))]
    disputes = [f for d in disputes_since(since=gte) if (f := _dispute_finding(d, result, paid_intents))]
    result.findings = [*sessions, *refunds, *disputes]
    return result


def _apply_one(finding: Finding, *, seen: datetime) -> str:
    if finding.kind == "session":
        fulfilled = purchase_fulfil(session=finding.obj)
        return f"{fulfilled.outcome.value.replace('_', ' ')} (purchase #{fulfilled.purchase.pk})"
    if finding.kind == "refund":
        purchase = purchase_refund_sync(refund=finding.obj, seen=seen)
        refunded = format_money(purchase.amount_refunded, purchase.currency)
        return f"applied (purchase #{purchase.pk} {purchase.status}, {refunded} refunded)"
    purchase = purchase_dispute_sync(dispute=finding.obj, seen=seen)
    return f"applied (purchase #{purchase.pk} {purchase.status}, dispute {purchase.dispute_status or 'none'})"


def reconcile_apply(result: Reconciliation) -> Iterator[Finding]:
    """Apply each finding (sessions first: refunds and disputes need their purchase),
    each in its own transaction; yields it with `result` filled in. A finding that
    fails is reported and the others go on."""
    for finding in result.findings:
        try:
            finding.result = _apply_one(finding, seen=result.listed_at)
        except (PermanentEventError, RetryLater) as exc:
            finding.result = f"error: {exc}"
        yield finding


def reconcile_counts(findings: Iterable[Finding]) -> Counter:
    return Counter(f.kind for f in findings)
