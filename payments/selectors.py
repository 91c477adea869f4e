"""Reads about purchases."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from payments.models import Purchase

if TYPE_CHECKING:
    from lms.models import User

# Stripe's ids are letters, digits and underscores (cs_test_a1B2…). Anything else is
# refused before the query: a NUL byte would be a DataError on PostgreSQL.
SESSION_ID_RE = re.compile(r"[A-Za-z0-9_]{1,255}")


def purchase_of_user(*, user: User, session_id: str) -> Purchase | None:
    """The viewer's own purchase for a Checkout Session id; None for anyone else's."""
    if not SESSION_ID_RE.fullmatch(session_id) or not user.is_authenticated:
        return None
    return (
        Purchase.objects.select_related("course", "user")
        .filter(user=user, stripe_session_id=session_id)
        .first()
    )
