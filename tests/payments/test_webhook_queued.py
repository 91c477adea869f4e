"""The webhook as production runs it (TASK_BACKEND=database): the event is stored
with its job in one transaction and answered at once; a job worker does the
work. Jobs here are run in-process through django-tasks-db's own Worker.run_task,
as `db_worker` runs them; tests/payments/test_webhook_workers.py runs real
`db_worker` processes on PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from enrollments.models import Enrollment
from lms.jobs import job_next_due, job_worker
from notifications.models import Notification
from payments import tasks
from payments.models import Purchase, WebhookEvent
from payments.services import fulfilment, receive

pytestmark = pytest.mark.django_db

WEBHOOK_JOB = "payments.tasks.webhook_event_work"


@pytest.fixture(autouse=True)
def database_jobs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_due_jobs() -> int:
    """Run every job that is due, highest priority first, as a worker would."""
    worker = job_worker("test-worker")
    ran = 0
    while job := job_next_due(worker):
        worker.run_task(job)
        ran += 1
    return ran


def webhook_jobs(status=TaskResultStatus.READY):
    return DBTaskResult.objects.filter(task_path=WEBHOOK_JOB, status=status)


def enrolled_notifications(user):
    return Notification.objects.filter(user=user, kind=Notification.Kind.ENROLLED)


def test_an_event_is_stored_and_queued_and_answered_before_any_work(
    fake_stripe, pending_purchase, post_event, django_assert_num_queries
):
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.pay(pending_purchase.stripe_session_id)
    )

    # In the test's transaction: a savepoint around the event's INSERT and its job's INSERT.
    with django_assert_num_queries(4):
        response = post_event(event)

    assert (response.status_code, response.content) == (200, b"queued")
    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.PENDING
    assert not Enrollment.objects.filter(user=pending_purchase.user).exists()
    record = WebhookEvent.objects.get()
    assert (record.stripe_event_id, record.status, record.attempts) == (event["id"], "received", 0)
    job = webhook_jobs().get()
    assert job.args_kwargs["args"] == [event["id"]]
    assert job.priority == tasks.PRIORITY > 0  # ahead of e-mail jobs

    assert run_due_jobs() >= 1

    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.COMPLETE
    assert Enrollment.objects.get(user=pending_purchase.user).purchase == pending_purchase
    assert enrolled_notifications(pending_purchase.user).count() == 1
    record.refresh_from_db()
    assert (record.status, record.attempts, record.purchase_id) == ("processed", 1, pending_purchase.pk)


def test_deliveries_before_the_worker_runs_are_fulfilled_once(fake_stripe, pending_purchase, post_event):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", session)

    answers = [post_event(event).content for _ in range(3)]

    assert answers == [b"queued"] * 3
    assert WebhookEvent.objects.count() == 1 and webhook_jobs().count() == 3
    run_due_jobs()
    assert Enrollment.objects.filter(user=pending_purchase.user).count() == 1
    assert enrolled_notifications(pending_purchase.user).count() == 1
    assert WebhookEvent.objects.get().attempts == 1  # two jobs found it done
    assert webhook_jobs(TaskResultStatus.SUCCESSFUL).count() == 3


def test_a_delivery_after_the_work_is_done_queues_nothing(fake_stripe, pending_purchase, post_event):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", session)
    post_event(event)
    run_due_jobs()

    response = post_event(event)

    assert (response.status_code, response.content) == (200, b"duplicate")
    assert not webhook_jobs().exists()


def test_an_event_ahead_of_its_purchase_is_retried_by_a_later_job(fake_stripe, pending_purchase, post_event):
    """A refund Stripe sends before the purchase is known here: the job cannot
    apply it yet (RetryLater), so it queues itself a minute later, as Stripe's
    own retry would have come; the purchase arrives meanwhile; the retry
    applies the refund and takes the course away."""
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    sid = pending_purchase.stripe_session_id
    refunded = fake_stripe.event("charge.refunded", fake_stripe.charge(sid, amount_refunded=4900))

    assert post_event(refunded).content == b"queued"
    run_due_jobs()

    record = WebhookEvent.objects.get(stripe_event_id=refunded["id"])
    assert (record.status, record.attempts) == ("failed", 1)
    retry = webhook_jobs().get()
    assert retry.run_after - timezone.now() > timedelta(seconds=50)
    assert run_due_jobs() == 0  # not due yet

    post_event(fake_stripe.event("checkout.session.completed", session))
    run_due_jobs()
    enrollment = Enrollment.objects.get(user=pending_purchase.user)
    assert enrollment.is_active

    webhook_jobs().update(run_after=timezone.now())  # a minute later
    run_due_jobs()

    record.refresh_from_db()
    assert (record.status, record.attempts) == ("processed", 2)
    enrollment.refresh_from_db()
    assert not enrollment.is_active
    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.REFUNDED


def test_after_the_last_retry_the_event_stays_failed_for_staff(
    fake_stripe, pending_purchase, post_event, monkeypatch
):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", session)

    def database_trouble(**kwargs):
        raise OperationalError("the database restarted")

    monkeypatch.setattr(fulfilment, "purchase_fulfil_in_transaction", database_trouble)
    monkeypatch.setattr("payments.services.webhook.purchase_fulfil_in_transaction", database_trouble)
    post_event(event)
    for _ in range(len(tasks.RETRY_DELAYS) + 1):
        run_due_jobs()
        webhook_jobs().update(run_after=timezone.now())

    record = WebhookEvent.objects.get()
    assert (record.status, record.attempts) == ("failed", len(tasks.RETRY_DELAYS) + 1)
    assert "the database restarted" in record.error
    assert not webhook_jobs().exists()
    assert not Enrollment.objects.exists()


def test_an_event_that_can_never_succeed_is_not_retried(fake_stripe, pending_purchase, post_event):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", {**session, "amount_total": 1})

    post_event(event)
    run_due_jobs()

    record = WebhookEvent.objects.get()
    assert record.status == "rejected" and "Mismatch" in record.error
    assert not webhook_jobs().exists()
    assert not Enrollment.objects.exists()


def test_an_event_the_database_refuses_is_stored_rejected_with_no_job(fake_stripe, post_event):
    event = fake_stripe.event("customer.created", {"id": "cus_1", "object": "customer", "name": "a\x00b"})

    response = post_event(event)

    assert (response.status_code, response.content) == (200, b"done")
    assert WebhookEvent.objects.get().status == "rejected"
    assert not webhook_jobs().exists()


def test_when_the_job_cannot_be_queued_nothing_is_stored_and_stripe_retries(
    fake_stripe, pending_purchase, post_event, monkeypatch
):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", session)

    def queue_down(*args, **kwargs):
        raise OperationalError("could not write the job")

    monkeypatch.setattr(receive, "job_enqueue", queue_down)
    response = post_event(event)

    assert response.status_code == 500
    assert not WebhookEvent.objects.exists()  # rolled back with the job: the redelivery starts afresh
    monkeypatch.undo()
    assert post_event(event).content == b"queued"


def test_the_buyer_does_not_wait_for_the_job(client, fake_stripe, pending_purchase, post_event):
    """The success page fulfils from Stripe's answer while the event's job is
    still queued; the job then finds the purchase complete and tells nothing twice."""
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    post_event(fake_stripe.event("checkout.session.completed", session))
    client.force_login(pending_purchase.user)

    response = client.get(f"{reverse('payments:success')}?session_id={session['id']}")

    assert response.context["result"].state == "enrolled"
    run_due_jobs()
    assert Enrollment.objects.filter(user=pending_purchase.user).count() == 1
    assert enrolled_notifications(pending_purchase.user).count() == 1
    assert WebhookEvent.objects.get().status == "processed"
