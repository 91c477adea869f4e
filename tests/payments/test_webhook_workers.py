"""The queued webhook with real job workers: events stored and queued by the
webhook, every one delivered twice, then two `manage.py db_worker` processes
run the jobs at the same time on PostgreSQL (SKIP LOCKED claims, the event
rows' locks). Exactly one purchase, enrollment and notification per Checkout
Session, counted in SQL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from enrollments.models import Enrollment
from notifications.models import Notification
from payments.models import Purchase, WebhookEvent
from tests.factories import PurchaseFactory, UserFactory

REPO = Path(__file__).resolve().parents[2]
SESSIONS = 30

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="job workers are proven on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def start_worker(mail_dir: Path, name: str) -> subprocess.Popen:
    db = django_settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TASK_BACKEND": "database",
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "DEBUG": "false",
        "SECRET_KEY": "worker-test-" + "x" * 40,
        "ALLOWED_HOSTS": "localhost",
    }
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"]
    return subprocess.Popen(
        [*command, "--worker-id", name, "-v", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_workers_fulfil_each_twice_delivered_session_exactly_once(
    settings, fake_stripe, paid_course, post_event, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    events = []
    for index in range(SESSIONS):
        buyer = UserFactory(email=f"buyer{index}@example.com")
        session = fake_stripe.create_session(
            {
                "mode": "payment",
                "line_items": [{"quantity": "1", "price_data": {"currency": "usd", "unit_amount": "4900"}}],
                "metadata": {"course_id": str(paid_course.pk), "user_id": str(buyer.pk)},
                "success_url": "http://testserver/payments/success/?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": "http://testserver/",
            }
        )
        PurchaseFactory(user=buyer, course=paid_course, stripe_session_id=session["id"])
        events.append(fake_stripe.event("checkout.session.completed", fake_stripe.pay(session["id"])))
    for event in events + events:
        assert post_event(event).content == b"queued"
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 2 * SESSIONS

    workers = [start_worker(tmp_path, name) for name in ("worker-a", "worker-b")]
    outputs = [worker.communicate(timeout=180)[0] for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              (SELECT count(*) FROM payments_purchase WHERE course_id = %(course)s AND status = %(complete)s),
              (SELECT count(*) FROM enrollments_enrollment WHERE course_id = %(course)s
                 AND status = 'active'),
              (SELECT count(DISTINCT user_id) FROM enrollments_enrollment WHERE course_id = %(course)s),
              (SELECT count(*) FROM notifications_notification WHERE course_id = %(course)s
                 AND kind = %(kind)s),
              (SELECT count(*) FROM payments_webhookevent WHERE status = 'processed' AND attempts = 1)
            """,
            {
                "course": paid_course.pk,
                "complete": Purchase.Status.COMPLETE,
                "kind": Notification.Kind.ENROLLED,
            },
        )
        assert cursor.fetchone() == (SESSIONS, SESSIONS, SESSIONS, SESSIONS, SESSIONS)
    assert Enrollment.objects.count() == SESSIONS and WebhookEvent.objects.count() == SESSIONS
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {TaskResultStatus.SUCCESSFUL}
    ran_by = {worker for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for worker in ids}
    assert ran_by == {"worker-a", "worker-b"}, "both workers took jobs"
    mail = "".join(path.read_text() for path in tmp_path.iterdir())
    assert mail.count("Subject: Your receipt") == SESSIONS  # one receipt each
