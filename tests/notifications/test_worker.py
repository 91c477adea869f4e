"""The job queue as production runs it: jobs are rows written in the
transaction that asks for them, and a separate `manage.py db_worker` process
runs them. On PostgreSQL, where the worker claims jobs with SKIP LOCKED."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from notifications.models import EmailDelivery, Notification
from notifications.services import notify
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the database job queue is proven on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def announce(user, key):
    notify(
        users=[user],
        kind=Notification.Kind.ANNOUNCEMENT,
        title=f"About {key}",
        message="Hello",
        url="/",
        email_key=key,
    )


def worker(mail_dir: Path) -> subprocess.CompletedProcess:
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
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload", "-v", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_worker_runs_a_committed_job_once_and_a_rolled_back_job_never(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = UserFactory(email="learner@example.com")
    with transaction.atomic():
        announce(user, "announcement:committed")
    with pytest.raises(RuntimeError), transaction.atomic():
        announce(user, "announcement:rolled-back")
        raise RuntimeError("the write failed: its job goes with it")
    assert DBTaskResult.objects.count() == 1  # the rolled-back job was never written

    first = worker(tmp_path)
    second = worker(tmp_path)  # another worker later: nothing left to do

    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    sent = [path.read_text() for path in tmp_path.iterdir()]
    assert len(sent) == 1
    assert "To: learner@example.com" in sent[0] and "Subject: About announcement:committed" in sent[0]
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]
    assert list(EmailDelivery.objects.values_list("status", flat=True)) == [EmailDelivery.Status.SENT]
