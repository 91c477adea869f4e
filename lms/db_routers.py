"""A read replica for the reads that may lag: the teaching analytics.

DATABASE_REPLICA_URL names a PostgreSQL streaming replica of DATABASE_URL; settings then define
the "replica" alias (README: "Scaling out"). The selectors that aggregate a course's activity
(teaching/selectors/analytics.py, revenue.py, quizzes.py: progress counts, sales, quiz answers,
the costliest reads of the site) run inside `replica_reads`: their ORM queries go to the replica
through `PrimaryReplicaRouter`, their raw SQL through `read_connection()`. Every other read, and
every write wherever it happens, goes to the primary ("default"). Without a replica, the context
changes nothing.

Why a context around whole selectors rather than `.using("replica")` on each query: the selectors
compose querysets (subqueries, `Exists`) and call one another; one context covers them all, and a
query added later is covered too. Why only the aggregates and not the whole analytics page: a
page's content that is cached under a version read from the primary (courses/curriculum.py) must be
loaded from the primary as well, or a lagging replica would store an old curriculum under the new
version's key.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def read_alias() -> str:
    """The alias the reads made here go to: the replica inside `replica_reads` when there is one."""
    return REPLICA if _replica_reads.get() and replica_configured() else DEFAULT_DB_ALIAS


def read_connection() -> BaseDatabaseWrapper:
    """The connection for raw SQL reads (`read_connection().cursor()`), routed like the ORM's."""
    return connections[read_alias()]


class replica_reads(ContextDecorator):
    """Reads inside go to the replica (when configured). Only for reads that may be a few seconds
    old: never around a read whose answer decides a write."""

    def __enter__(self) -> replica_reads:
        self._token = _replica_reads.set(True)
        return self

    def __exit__(self, *exc_info) -> None:
        _replica_reads.reset(self._token)


class PrimaryReplicaRouter:
    """Reads to the replica inside `replica_reads`, to the primary elsewhere (an object read from
    the replica does not pull later reads there); writes always to the primary."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: an object from either may point at one from the other.
        return True if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # A replica follows the primary's schema by replication; migrate never writes to it.
        return False if db == REPLICA else None
