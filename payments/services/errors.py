"""How a Stripe event's work can fail, and what the webhook answers."""


class PermanentEventError(Exception):
    """The event can never succeed (metadata missing, user or course gone): record it, answer 200."""


class RetryLater(Exception):
    """The event arrived before what it refers to (a refund before its purchase): answer 5xx."""
