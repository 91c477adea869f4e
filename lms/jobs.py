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


def job_enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    if isinstance(task.get_backend(), ImmediateBackend):
        transaction.on_commit(partial(task.enqueue, *args, **kwargs), robust=True)
    else:
        task.enqueue(*args, **kwargs)
