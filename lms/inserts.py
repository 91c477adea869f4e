"""One-statement "insert unless it exists" for rows that a unique constraint
makes exactly-once (a Stripe event id, an e-mail event key).

`Model.objects.create()` in a `transaction.atomic()` block that catches the
IntegrityError costs three statements (SAVEPOINT, INSERT, RELEASE), and
`bulk_create(ignore_conflicts=True)` opens a transaction of its own and does
not say whether the row was new. `INSERT … ON CONFLICT DO NOTHING RETURNING id`
(PostgreSQL; `INSERT OR IGNORE … RETURNING` on SQLite 3.35+) is one statement,
never aborts the caller's transaction, and answers whether this call wrote the
row. Like `bulk_create`, it sends no `post_save` signal: use it only for
models nothing listens to."""

from __future__ import annotations

from django.db import models
from django.db.models.constants import OnConflict


def insert_unless_exists(obj: models.Model) -> int | None:
    """Insert `obj` (an unsaved instance; defaults and `auto_now_add` fields
    are filled in as by `save()`). Returns the new row's primary key, or None
    when a row with the same unique values already exists (nothing written).
    Outside a transaction it runs in autocommit: the row is committed at once."""
    meta = obj._meta
    fields = [field for field in meta.local_concrete_fields if not field.generated and field is not meta.pk]
    # QuerySet._insert is what bulk_create runs inside its own atomic block; called
    # directly it is the single statement and nothing around it.
    rows = obj.__class__._base_manager._insert(
        [obj], fields=fields, returning_fields=[meta.pk], on_conflict=OnConflict.IGNORE
    )
    pk = rows[0][0] if rows and rows[0] else None
    if pk is not None:
        obj.pk = pk
        obj._state.adding = False
    return pk
