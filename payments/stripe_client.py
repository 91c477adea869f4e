"""The one place that talks to Stripe's API, built from settings.

`STRIPE_API_BASE` points the client at a local fake in the tests (or a mock
in development); empty means Stripe's own. Calls time out quickly and retry
network failures with the same idempotency key (stripe-python adds one to
every retried POST)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings


def payments_configured() -> bool:
    """Without a secret key the site runs, but nothing can be bought."""
    return bool(settings.STRIPE_SECRET_KEY)


def key_is_live(secret_key: str | None = None) -> bool:
    key = settings.STRIPE_SECRET_KEY if secret_key is None else secret_key
    return key.startswith(("sk_live_", "rk_live_"))


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, timeout: float, retries: int) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base or stripe.DEFAULT_API_BASE},
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def stripe_client() -> stripe.StripeClient:
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_TIMEOUT_SECONDS,
        settings.STRIPE_NETWORK_RETRIES,
    )


def checkout_session_create(*, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """Create a Checkout Session; raises `stripe.StripeError` (timeouts included)."""
    session = stripe_client().v1.checkout.sessions.create(
        params=params,  # type: ignore[arg-type]
        options={"idempotency_key": idempotency_key},
    )
    return session.to_dict()


def checkout_session_retrieve(*, session_id: str) -> dict[str, Any]:
    """Fetch a Checkout Session, its promotion codes expanded (the code the buyer
    typed, not only its id); raises `stripe.StripeError`."""
    params = {"expand": ["discounts.promotion_code"]}
    return stripe_client().v1.checkout.sessions.retrieve(session_id, params=params).to_dict()  # type: ignore[arg-type]


def promotion_code_retrieve(*, promotion_code_id: str) -> dict[str, Any]:
    """Fetch a promotion code (`code` is what the buyer typed); raises `stripe.StripeError`."""
    return stripe_client().v1.promotion_codes.retrieve(promotion_code_id).to_dict()


def _listed(page: Any) -> Iterator[dict[str, Any]]:
    for obj in page.auto_paging_iter():
        yield obj.to_dict()


def checkout_sessions_complete_since(*, since: int) -> Iterator[dict[str, Any]]:
    """Every complete Checkout Session created at or after `since` (a Unix time),
    all pages; raises `stripe.StripeError`."""
    params = {
        "created": {"gte": since},
        "status": "complete",
        "limit": 100,
        "expand": ["data.discounts.promotion_code"],
    }
    return _listed(stripe_client().v1.checkout.sessions.list(params=params))  # type: ignore[arg-type]


def refunds_since(*, since: int) -> Iterator[dict[str, Any]]:
    """Every refund created at or after `since`, all pages."""
    return _listed(stripe_client().v1.refunds.list(params={"created": {"gte": since}, "limit": 100}))


def disputes_since(*, since: int) -> Iterator[dict[str, Any]]:
    """Every dispute created at or after `since`, all pages."""
    return _listed(stripe_client().v1.disputes.list(params={"created": {"gte": since}, "limit": 100}))
