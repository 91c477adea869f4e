"""The e-mail job: an event's deliveries go out in batches from a worker,
never inside a web request (lms/jobs.py says how jobs are enqueued)."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django_tasks import task

from lms.jobs import job_enqueue
from notifications.emails import email_message
from notifications.models import EmailDelivery

logger = logging.getLogger(__name__)

# After a transient failure (the mail server busy, down or slow), try again after
# these delays; after the last one the delivery fails and stays for staff to see.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


def _is_transient(error: Exception) -> bool:
    """SMTP 4xx answers and network trouble pass; a 5xx answer (no such mailbox,
    refused) will not be different next time."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPException | OSError)


def _claim(event_id: int) -> list[EmailDelivery]:
    """A batch of the event's deliveries that are due, marked SENDING in a
    transaction of their own before anything is sent. SKIP LOCKED: two workers
    on one event take different rows."""
    now = timezone.now()
    with transaction.atomic():
        batch = list(
            EmailDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "user")
            .filter(event_id=event_id, status=EmailDelivery.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")[: settings.EMAIL_BATCH_SIZE]
        )
        EmailDelivery.objects.filter(pk__in=[d.pk for d in batch]).update(
            status=EmailDelivery.Status.SENDING, attempts=F("attempts") + 1
        )
    return batch


def _failed(delivery: EmailDelivery, error: Exception) -> None:
    attempt = delivery.attempts + 1  # the claim counted this one in the database
    retry = _is_transient(error) and attempt <= len(RETRY_DELAYS)
    logger.warning(
        "E-mail %s to user %s failed (attempt %s): %r", delivery.event.key, delivery.user_id, attempt, error
    )
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=EmailDelivery.Status.PENDING if retry else EmailDelivery.Status.FAILED,
        next_attempt_at=timezone.now() + RETRY_DELAYS[attempt - 1] if retry else None,
        error=repr(error)[:2000],
    )


@task()
def emails_send(event_id: int) -> int:
    """Send the event's pending e-mails, a batch at a time, over one SMTP
    connection a batch; returns how many went out. Safe to run twice or in
    parallel. Deliveries to retry later are picked up by a job deferred to
    the first of their times (when the backend can defer)."""
    sent = 0
    while batch := _claim(event_id):
        done = []
        with get_connection() as connection:
            for delivery in batch:
                message = email_message(delivery)
                message.connection = connection
                try:
                    message.send()
                except Exception as error:  # every failure is recorded on its delivery
                    _failed(delivery, error)
                else:
                    done.append(delivery.pk)
        EmailDelivery.objects.filter(pk__in=done).update(
            status=EmailDelivery.Status.SENT, sent_at=timezone.now()
        )
        sent += len(done)
    retry_at = EmailDelivery.objects.filter(event_id=event_id, status=EmailDelivery.Status.PENDING).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    if retry_at is not None and emails_send.get_backend().supports_defer:
        job_enqueue(emails_send.using(run_after=retry_at), event_id)
    return sent
