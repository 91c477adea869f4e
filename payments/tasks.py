"""The webhook's job: a Stripe event's work, done by `manage.py db_worker` after
the webhook has stored the event and answered 200 (Stripe's advice: answer at
once, do the work from a queue). The event's ledger row and its locks make the
work exactly-once however many jobs run it (payments/services/webhook.py)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from lms.jobs import job_enqueue
from payments.models import WebhookEvent
from payments.services.webhook import WebhookOutcome, webhook_event_process

# Ahead of e-mail jobs: a buyer waits for the course, an announcement can wait.
PRIORITY = 50
# After a transient failure (the database busy, an event ahead of what it refers
# to), try again after these delays, as Stripe's own retries would; after the
# last one the event stays failed for staff (`manage.py stripe_reconcile`).
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
    timedelta(hours=24),
)


@task(priority=PRIORITY)
def webhook_event_work(stripe_event_id: str) -> str:
    """Do a stored event's work (nothing if it is done already); a transient
    failure queues the next attempt. Returns the outcome."""
    outcome = webhook_event_process(stripe_event_id=stripe_event_id)
    if outcome == WebhookOutcome.RETRY:
        attempts = (
            WebhookEvent.objects.filter(stripe_event_id=stripe_event_id)
            .values_list("attempts", flat=True)
            .first()
        )
        if attempts is not None and attempts <= len(RETRY_DELAYS):
            later = timezone.now() + RETRY_DELAYS[attempts - 1]
            job_enqueue(webhook_event_work.using(run_after=later), stripe_event_id)
    return outcome.value
