"""Signals `enrollments` sends so that apps above it can react without
`enrollments` importing them (README: "Map of the code").

`access_restored` is sent inside the transaction that makes an existing,
revoked enrollment active again (a new purchase after a refund, a dispute
won), with `enrollment`. The curriculum may have changed while access was
revoked: `learning` connects to it (learning/apps.py) and recomputes the
enrollment's percentage in that same transaction."""

from django.dispatch import Signal

access_restored = Signal()
