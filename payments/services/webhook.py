"""The ledger of Stripe's events: each verified event stored once under its id,
its work done and the event marked in one transaction, and what each event
type does (README: "What each event does")."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from lms.inserts import insert_unless_exists
from payments.models import Purchase, WebhookEvent
from payments.services import stripe_objects as read
from payments.services.disputes import purchase_dispute_sync
from payments.services.errors import PermanentEventError, RetryLater
from payments.services.fulfilment import (
    FulfilOutcome,
    purchase_expire,
    purchase_fail,
    purchase_fulfil_in_transaction,
)
from payments.services.refunds import purchase_charge_refunded, purchase_refund_sync

logger = logging.getLogger(__name__)

# Faults that pass: the database down or restarting, a lock held too long, a
# deadlock or serialization failure (all OperationalError), a dropped connection;
# and an event that came before what it refers to. Answered 5xx: Stripe retries.
TRANSIENT = (RetryLater, OperationalError, InterfaceError)
LOCK_TIMEOUT_MS = 10_000
REFUSED_TEXT = (
    "The event contains text the database refuses (NUL bytes or lone surrogates), "
    "replaced by U+FFFD in the stored copy; not processed."
)


class WebhookOutcome(StrEnum):
    DONE = "done"  # processed, ignored or rejected now: 200
    DUPLICATE = "duplicate"  # processed before: 200, nothing done
    RETRY = "retry"  # transient failure, rolled back: 5xx so Stripe retries
    QUEUED = "queued"  # stored, its work queued for a job worker: 200 (payments/tasks.py)


@dataclass(frozen=True)
class _Handled:
    status: str
    purchase: Purchase | None = None
    note: str = ""


def _on_session_paid(data: Mapping[str, Any], seen: datetime) -> _Handled:
    # Inside the event's transaction; lean: the event stores only the purchase's id.
    result = purchase_fulfil_in_transaction(session=data, lean=True)
    if result.outcome == FulfilOutcome.MISMATCH:
        return _Handled(WebhookEvent.Status.REJECTED, result.purchase, f"Mismatch: {result.detail}")
    if result.outcome == FulfilOutcome.CLOSED:
        return _Handled(WebhookEvent.Status.IGNORED, result.purchase, result.detail)
    return _Handled(WebhookEvent.Status.PROCESSED, result.purchase, result.outcome.value)


def _on_session_failed(data: Mapping[str, Any], seen: datetime) -> _Handled:
    purchase = purchase_fail(session=data)
    return _Handled(WebhookEvent.Status.PROCESSED if purchase else WebhookEvent.Status.IGNORED, purchase)


def _on_session_expired(data: Mapping[str, Any], seen: datetime) -> _Handled:
    purchase = purchase_expire(session=data)
    return _Handled(WebhookEvent.Status.PROCESSED if purchase else WebhookEvent.Status.IGNORED, purchase)


def _on_charge_refunded(data: Mapping[str, Any], seen: datetime) -> _Handled:
    return _Handled(WebhookEvent.Status.PROCESSED, purchase_charge_refunded(charge=data, seen=seen))


def _on_refund(data: Mapping[str, Any], seen: datetime) -> _Handled:
    return _Handled(WebhookEvent.Status.PROCESSED, purchase_refund_sync(refund=data, seen=seen))


def _on_dispute(data: Mapping[str, Any], seen: datetime) -> _Handled:
    return _Handled(WebhookEvent.Status.PROCESSED, purchase_dispute_sync(dispute=data, seen=seen))


EVENT_HANDLERS: dict[str, Callable[[Mapping[str, Any], datetime], _Handled]] = {
    "checkout.session.completed": _on_session_paid,
    "checkout.session.async_payment_succeeded": _on_session_paid,
    "checkout.session.async_payment_failed": _on_session_failed,
    "checkout.session.expired": _on_session_expired,
    "charge.refunded": _on_charge_refunded,
    "refund.created": _on_refund,
    "refund.updated": _on_refund,
    "refund.failed": _on_refund,
    "charge.refund.updated": _on_refund,
    "charge.dispute.created": _on_dispute,
    "charge.dispute.updated": _on_dispute,
    "charge.dispute.closed": _on_dispute,
    "charge.dispute.funds_withdrawn": _on_dispute,
    "charge.dispute.funds_reinstated": _on_dispute,
}


def webhook_event_clean(event: Any) -> tuple[Any, str]:
    """The parsed body with the text the database refuses (NUL bytes, lone
    surrogates) replaced, and why it cannot be processed ("" if it can)."""
    cleaned, changed = read.clean_for_database(event)
    return cleaned, REFUSED_TEXT if changed else ""


def webhook_event_record(*, event: Mapping[str, Any], rejected: str = "") -> bool:
    """Store a verified event once under its Stripe id (committed at once, so the
    record survives a failure of the work); returns whether this call stored it
    (False: a redelivery, the stored row is left as it is). `event` is cleaned
    (webhook_event_clean); `rejected` says why it must not be processed: it is
    stored as failed for good, its one attempt counted. One statement
    (INSERT … ON CONFLICT DO NOTHING): no transaction of its own; in autocommit
    it is committed at once, in the caller's transaction with it."""
    done = {
        "status": WebhookEvent.Status.REJECTED,
        "error": rejected,
        "processed_at": timezone.now(),
        "attempts": 1,
    }
    row = WebhookEvent(
        stripe_event_id=event["id"],
        type=event["type"],
        livemode=bool(event.get("livemode")),
        payload=event,
        **(done if rejected else {}),
    )
    return insert_unless_exists(row) is not None


def _webhook_event_mark(*, stripe_event_id: str, status: str, error: str, done: bool) -> None:
    WebhookEvent.objects.filter(stripe_event_id=stripe_event_id).update(
        status=status,
        error=error[:10_000],
        attempts=F("attempts") + 1,
        processed_at=timezone.now() if done else None,
    )


def webhook_event_process(
    *, stripe_event_id: str, payload: Mapping[str, Any] | None = None
) -> WebhookOutcome:
    """Do an event's work and mark it processed in the same transaction.

    Redeliveries of the same event (even at the same moment) wait on the event
    row's lock and then find it done. A transient fault (TRANSIENT: the database
    down, a lock timeout, an event that came too early) rolls everything back and
    leaves the event unprocessed (RETRY); anything else can never succeed: it is
    rolled back too, recorded on the event as failed for good, and not retried.
    `payload`: the event exactly as this request has just stored it (not read
    back); None reads the stored copy."""
    try:
        with transaction.atomic():
            _lock_timeout_set()
            # The columns the work needs, as values: no model to build for the lock.
            columns = ("pk", "type", "status", "attempts") + (("payload",) if payload is None else ())
            event = (
                WebhookEvent.objects.select_for_update()
                .filter(stripe_event_id=stripe_event_id)
                .values(*columns)
                .get()
            )
            if event["status"] in WebhookEvent.DONE:
                return WebhookOutcome.DUPLICATE
            payload = event["payload"] if payload is None else payload
            handler = EVENT_HANDLERS.get(event["type"])
            if handler is None:
                handled = _Handled(WebhookEvent.Status.IGNORED, note="event type not handled")
            else:
                seen = read.timestamp(payload, what=f"Event {stripe_event_id}", required=True)
                handled = handler(payload["data"]["object"], seen)
            WebhookEvent.objects.filter(pk=event["pk"]).update(
                status=handled.status,
                error=handled.note if handled.status == WebhookEvent.Status.REJECTED else "",
                purchase=handled.purchase,
                attempts=event["attempts"] + 1,
                processed_at=timezone.now(),
            )
            return WebhookOutcome.DONE
    except PermanentEventError as exc:
        logger.error("Stripe event %s rejected: %s", stripe_event_id, exc)
        _webhook_event_mark(
            stripe_event_id=stripe_event_id, status=WebhookEvent.Status.REJECTED, error=str(exc), done=True
        )
        return WebhookOutcome.DONE
    except TRANSIENT as exc:
        logger.warning("Stripe event %s failed, Stripe will retry: %r", stripe_event_id, exc)
        try:
            _webhook_event_mark(
                stripe_event_id=stripe_event_id,
                status=WebhookEvent.Status.FAILED,
                error=repr(exc),
                done=False,
            )
        except DatabaseError:
            logger.exception("Could not record the failure of Stripe event %s", stripe_event_id)
        return WebhookOutcome.RETRY
    except Exception as exc:
        # Anything else (a DataError, a value no reader caught, a bug) fails the same
        # way on every retry: stored for staff with the reason, not retried for days.
        logger.exception("Stripe event %s failed for good", stripe_event_id)
        _webhook_event_mark(
            stripe_event_id=stripe_event_id,
            status=WebhookEvent.Status.REJECTED,
            error=f"{type(exc).__name__}: {exc}",
            done=True,
        )
        return WebhookOutcome.DONE


def _lock_timeout_set() -> None:
    """Wait at most LOCK_TIMEOUT_MS for a row lock (PostgreSQL): a lock held for
    longer (a stuck transaction) is a transient fault, answered 5xx and retried,
    rather than a request that holds a worker until the proxy gives up."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{LOCK_TIMEOUT_MS}ms"])
