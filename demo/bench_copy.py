"""Loading a million rows quickly, for `seed_bench`: binary COPY on
PostgreSQL, in the order pg_restore loads a table (the rows first, then the
secondary indexes built and the foreign keys checked once each, instead of
once per row); bulk_create elsewhere (the tests on SQLite)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from django.db import connection, models
from psycopg.types.json import Jsonb

BATCH_SIZE = 5_000
REPORT_EVERY = 250_000  # rows between two progress lines of a COPY


def rows_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    total: int,
    label: str,
    out: Callable[[str], None],
) -> None:
    """Insert `rows` (values of `fields`, attribute names) as they come, with
    a progress line now and then. Call inside a transaction. COPY writes the
    values as given: auto_now fields are not filled in."""
    written = 0
    if connection.vendor != "postgresql":
        rows = iter(rows)
        while batch := list(islice(rows, BATCH_SIZE)):
            model.objects.bulk_create(model(**dict(zip(fields, row, strict=True))) for row in batch)
            written += len(batch)
            out(f"  {label}: {written:,} / {total:,}")
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    as_json = {i for i, field in enumerate(columns) if isinstance(field, models.JSONField)}
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(meta.db_table)} ({', '.join(quote(field.column) for field in columns)}) "
        "FROM STDIN (FORMAT BINARY)"
    )
    with (
        _secondary_work_deferred(meta.db_table),
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        # The registry knows "varchar", not "varchar(10)".
        copy.set_types([field.db_type(connection).split("(")[0] for field in columns])
        for row in rows:
            if as_json:
                row = [Jsonb(value) if i in as_json else value for i, value in enumerate(row)]
            copy.write_row(row)
            written += 1
            if written % REPORT_EVERY == 0:
                out(f"  {label}: {written:,} / {total:,}")
    out(f"  {label}: {written:,} / {total:,} (indexes rebuilt, foreign keys checked)")


@contextmanager
def _secondary_work_deferred(table: str) -> Iterator[None]:
    """Drop `table`'s foreign keys and its indexes that enforce nothing, and
    create them again, from their own definitions, on the way out: a COPY of a
    million rows otherwise updates every index and queues two foreign key
    checks a row (half a minute of the load). The primary key and the unique
    constraints stay, so a duplicate still fails the COPY; any other failure
    rolls the whole transaction back, the DDL with it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = %s::regclass AND NOT indisunique AND NOT indisprimary",
            [table],
        )
        indexes = cursor.fetchall()
        quote = connection.ops.quote_name
        for name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")  # as regclass prints it: quoted if it needs to be
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
