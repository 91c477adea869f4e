"""What the webhook does with a verified, cleaned event: store it once in the
ledger, then hand its work on.

With job workers (`TASK_BACKEND=database`, production) the event and its job
are written in one transaction and the answer is 200 at once; `db_worker`
does the work (payments/tasks.py: retries after a transient failure, as
Stripe's own retries would). A webhook is then four statements, whatever the
event does, so a burst of purchases never holds the web workers. The buyer
does not wait for the job: the success page fulfils from Stripe's answer when
the purchase is still pending (payments/services/success.py).

With no worker to hand it to (the immediate backend: development, tests)
the work is done in the request, and a transient failure is answered 5xx
for Stripe to retry. Either way the same `webhook_event_process` does the
work, under the event row's lock: exactly once however often it arrives."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from lms.jobs import job_enqueue, jobs_run_in_process
from payments.models import WebhookEvent
from payments.services.webhook import (
    TRANSIENT,
    WebhookOutcome,
    webhook_event_process,
    webhook_event_record,
)
from payments.tasks import webhook_event_work

logger = logging.getLogger(__name__)


def webhook_receive(*, event: Mapping[str, Any], rejected: str = "") -> WebhookOutcome:
    """Record a verified, cleaned event and do or queue its work (the webhook
    view's one call). DUPLICATE: an event already done, nothing queued."""
    if jobs_run_in_process(webhook_event_work):
        return _receive_in_request(event=event, rejected=rejected)
    try:
        with transaction.atomic():
            stored = webhook_event_record(event=event, rejected=rejected)
            if rejected and stored:
                logger.error("Stripe event %s rejected: %s", event["id"], rejected)
                return WebhookOutcome.DONE
            if not stored and _event_done(event["id"]):
                return WebhookOutcome.DUPLICATE
            # A redelivery of an event not done yet queues it again: the second job
            # waits on the event's lock and finds it done.
            job_enqueue(webhook_event_work, event["id"])
    except TRANSIENT as exc:
        logger.warning("Stripe event %s not stored, Stripe will retry: %r", event["id"], exc)
        return WebhookOutcome.RETRY
    return WebhookOutcome.QUEUED


def _event_done(stripe_event_id: str) -> bool:
    status = (
        WebhookEvent.objects.filter(stripe_event_id=stripe_event_id).values_list("status", flat=True).first()
    )
    return status in WebhookEvent.DONE


def _receive_in_request(*, event: Mapping[str, Any], rejected: str) -> WebhookOutcome:
    stored = webhook_event_record(event=event, rejected=rejected)
    if rejected and stored:
        logger.error("Stripe event %s rejected: %s", event["id"], rejected)
        return WebhookOutcome.DONE
    # A redelivery goes on too: it waits on the event's lock and finds it done,
    # or does the work a failed delivery left undone (from the stored copy).
    return webhook_event_process(stripe_event_id=event["id"], payload=event if stored else None)
