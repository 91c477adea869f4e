"""Reads about purchases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from payments.models import Purchase

if TYPE_CHECKING:
    from lms.models import User

SESSION_ID_MAX_LENGTH = 255


def purchase_of_user(*, user: User, session_id: str) -> Purchase | None:
    """The viewer's own purchase for a Checkout Session id; None for anyone else's."""
    if not session_id or len(session_id) > SESSION_ID_MAX_LENGTH or not user.is_authenticated:
        return None
    return (
        Purchase.objects.select_related("course", "user")
        .filter(user=user, stripe_session_id=session_id)
        .first()
    )
