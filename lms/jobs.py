"""Background jobs go through django-tasks (Django's own tasks framework,
backported), with the database backend in production: `manage.py db_worker`
processes claim jobs with SELECT … SKIP LOCKED (README: "Deploying").

`job_enqueue` makes a job part of the transaction that asks for it. With the
database backend the job is a row written in that transaction: it commits
with the write (and is then always run) or rolls back with it (and is never
run). The immediate backend (development, tests) runs the job in-process once
the transaction has committed, never for one that rolled back."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def jobs_run_in_process(task: Any) -> bool:
    """Whether `task`'s jobs run in this process (the immediate backend: no
    worker to hand them to) rather than in a `db_worker`."""
    return isinstance(task.get_backend(), ImmediateBackend)


def job_enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    if jobs_run_in_process(task):
        transaction.on_commit(partial(task.enqueue, *args, **kwargs), robust=True)
    else:
        task.enqueue(*args, **kwargs)


def job_worker(worker_id: str) -> Worker:
    """`db_worker`'s own worker, to run jobs in this process exactly as a
    worker process runs them (the benchmark, tests): `job_next_due` claims,
    `worker.run_task(job)` runs and marks it."""
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def job_next_due(worker: Worker, *, task_path: str | None = None) -> DBTaskResult | None:
    """Claim the next due job (highest priority first, as `db_worker` does), or None."""
    jobs = DBTaskResult.objects.ready()
    if task_path is not None:
        jobs = jobs.filter(task_path=task_path)
    with transaction.atomic():
        job = jobs.get_locked()
        if job is not None:
            job.claim(worker.worker_id)
    return job
