"""Signals `enrollments` sends so that apps above it can react without
`enrollments` importing them (README: "Map of the code"). Both are sent inside
the transaction that changes the enrollment, with `enrollment` (locked).

`access_restored`: an existing, revoked enrollment is active again (a new
purchase after a refund, a dispute won). The curriculum may have changed while
access was revoked: `learning` recomputes the percentage (learning/receivers.py);
`community` counts the student's review again (community/receivers.py).

`access_revoked`: an active enrollment is revoked (a refund, a dispute).
`community` takes the student's review out of the course's figures."""

from django.dispatch import Signal

access_restored = Signal()
access_revoked = Signal()
