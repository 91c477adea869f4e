"""The signed `checkout.session.completed` event for a paid Checkout Session, as Stripe sends it.
Its id is derived from the session's, so that run.py can redeliver, with the same id, an event a
Locust user may not have sent before the run stopped (as Stripe retries until it gets a 200)."""

from __future__ import annotations

import json
import time

import stripe

API_VERSION = "2025-01-27.acacia"


def event_id(session_id: str) -> str:
    return f"evt_load_{session_id}"


def signed_event(session: dict, webhook_secret: str) -> tuple[str, str]:
    """(body, Stripe-Signature header)."""
    event = {
        "id": event_id(session["id"]),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {"object": session},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "checkout.session.completed",
    }
    body = json.dumps(event)
    return body, stripe.WebhookSignature.generate_signature_header(body, webhook_secret)
