"""A fake Stripe for the tests: a small threaded HTTP server on 127.0.0.1 that
speaks the subset Doctrina uses, so no test reaches the internet.

API (what stripe-python calls, selected with STRIPE_API_BASE):
  POST /v1/checkout/sessions         form-encoded like Stripe; honours Idempotency-Key
  GET  /v1/checkout/sessions/<id>
  GET  /v1/checkout/sessions, /v1/refunds, /v1/disputes
                                     lists, newest first, paged like Stripe's
                                     (limit, starting_after, has_more; at most
                                     `page_size` a page), filtered by created[gte]
                                     and, for sessions, status
A hosted checkout page (what the buyer's browser sees):
  GET  /checkout/<id>                the page, with a "Pay" button
  POST /checkout/<id>/pay            marks the session paid, sends the signed
                                     checkout.session.completed webhook to
                                     `webhook_url` (when set), then redirects
                                     (303) to the session's success_url

Promotion codes (the page's code field, expanded sessions, GET
/v1/promotion_codes/<id>) and the page itself: tests/payments/fake_stripe_promotions.py.

Events are signed exactly as Stripe signs them, with stripe-python's
`WebhookSignature.generate_signature_header`.

Use it through the `fake_stripe` fixture (tests/payments/conftest.py). Other
test packages can reuse the fixtures in their conftest.py:
`from tests.payments import fake_stripe as fs; fake_stripe = fs.fake_stripe`.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from tests.payments.fake_stripe_promotions import NO_DISCOUNT, PromotionCodes, checkout_page

WEBHOOK_SECRET = "whsec_test_fake_stripe_secret"
SECRET_KEY = "sk_test_fake_stripe_key"
API_VERSION = "2025-01-27.acacia"


def parse_stripe_form(body: str) -> dict[str, Any]:
    """`a[b][0][c]=x` (how stripe-python encodes nested params) -> {"a": {"b": [{"c": "x"}]}}."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head, *re.findall(r"([^\[\]]*)\]", "[" + rest)] if rest else [head]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        items = {k: listify(v) for k, v in node.items()}
        if items and all(k.isdigit() for k in items):
            return [items[k] for k in sorted(items, key=int)]
        return items

    return listify(root)


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=int(time.time()) if timestamp is None else timestamp
    )


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


def make_event(
    event_type: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None
) -> dict[str, Any]:
    """An event envelope shaped like Stripe's (API version 2020-08-27 and later).
    `created` is when Stripe made the event (the order the app must respect)."""
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()) if created is None else created,
        "data": {"object": obj},
        "livemode": bool(obj.get("livemode", False)),
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


class FakeStripe(PromotionCodes):
    def __init__(self, *, secret_key: str = SECRET_KEY, webhook_secret: str = WEBHOOK_SECRET) -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None  # where "Pay" sends checkout.session.completed
        self.send_webhooks = True
        self.sessions: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}  # the latest state of each, for the lists
        self.disputes: dict[str, dict[str, Any]] = {}
        self.promotion_codes: dict[str, dict[str, Any]] = {}
        self.page_size = 100  # the most a list page holds (small: tests of auto-paging)
        self.requests: list[dict[str, Any]] = []  # every API call: method, path, params, headers
        self.deliveries: list[tuple[str, int]] = []  # (event id, the app's HTTP status)
        self.delay_seconds = 0.0  # slow every API answer down (timeouts)
        self._failures: list[int] = []  # HTTP statuses for the next API answers
        self._idempotent: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # --- lifecycle ------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- controls for tests ---------------------------------------------------------
    def fail_next(self, status: int = 500, times: int = 1) -> None:
        """The next `times` API calls answer `status` with a Stripe error body."""
        with self._lock:
            self._failures.extend([status] * times)

    def api_calls(self, method: str | None = None, path_prefix: str = "/v1/") -> list[dict[str, Any]]:
        return [
            r
            for r in self.requests
            if r["path"].startswith(path_prefix) and (method is None or r["method"] == method)
        ]

    def create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        line_items = params.get("line_items") or []
        amount = sum(
            int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1)) for item in line_items
        )
        currency = line_items[0]["price_data"]["currency"] if line_items else "usd"
        session_id = new_id("cs")
        now = int(time.time())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "allow_promotion_codes": str(params.get("allow_promotion_codes")).lower() == "true",
            "amount_subtotal": amount,
            "amount_total": amount,
            "discounts": [],
            "total_details": dict(NO_DISCOUNT),
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "customer_email": params.get("customer_email"),
            "expires_at": now + 24 * 3600,
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "mode": params.get("mode", "payment"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"{self.url}/checkout/{session_id}",
            "_line_items": line_items,  # kept for assertions; Stripe exposes them via list_line_items
        }
        with self._lock:
            self.sessions[session_id] = session
        return session

    def session(self, session_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.sessions[session_id].items() if not k.startswith("_")}

    def pay(self, session_id: str, *, payment_status: str = "paid") -> dict[str, Any]:
        """Complete the session as Stripe does when the buyer pays (or, with
        payment_status="unpaid", submits a delayed payment method)."""
        with self._lock:
            session = self.sessions[session_id]
            session["status"] = "complete"
            if payment_status == "paid" and session["amount_total"] == 0:
                payment_status = "no_payment_required"  # a 100 % discount: nothing is charged
            session["payment_status"] = payment_status
            if session["amount_total"]:  # nothing charged, no PaymentIntent
                session["payment_intent"] = session["payment_intent"] or new_id("pi")
            session["url"] = None
        return self.session(session_id)

    def event(
        self, event_type: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None
    ) -> dict[str, Any]:
        return make_event(event_type, obj, event_id=event_id, created=created)

    def session_event(self, event_type: str, session_id: str, **overrides: Any) -> dict[str, Any]:
        return make_event(event_type, {**self.session(session_id), **overrides})

    def charge(self, session_id: str, *, amount_refunded: int = 0, refunds: list | None = None) -> dict:
        session = self.session(session_id)
        charge = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": session["amount_total"],
            "amount_captured": session["amount_total"],
            "amount_refunded": amount_refunded,
            "currency": session["currency"],
            "livemode": False,
            "paid": True,
            "payment_intent": session["payment_intent"],
            "refunded": amount_refunded >= session["amount_total"],
            "status": "succeeded",
        }
        if refunds is not None:
            charge["refunds"] = {"object": "list", "data": refunds, "has_more": False}
        return charge

    def refund(
        self,
        session_id: str,
        *,
        amount: int,
        status: str = "succeeded",
        refund_id: str | None = None,
        created: int | None = None,
    ):
        """A refund of the session's payment; also what the refund list shows for its id from now on."""
        session = self.session(session_id)
        refund = {
            "id": refund_id or new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": new_id("ch"),
            "created": int(time.time()) if created is None else created,
            "currency": session["currency"],
            "payment_intent": session["payment_intent"],
            "status": status,
        }
        with self._lock:
            self.refunds[refund["id"]] = refund
        return dict(refund)

    def dispute(
        self,
        session_id: str,
        *,
        status: str = "needs_response",
        dispute_id: str | None = None,
        created: int | None = None,
    ):
        """A dispute of the session's payment; also what the dispute list shows for its id from now on."""
        session = self.session(session_id)
        dispute = {
            "id": dispute_id or new_id("dp"),
            "object": "dispute",
            "amount": session["amount_total"],
            "charge": new_id("ch"),
            "created": int(time.time()) if created is None else created,
            "currency": session["currency"],
            "livemode": False,
            "payment_intent": session["payment_intent"],
            "reason": "fraudulent",
            "status": status,
        }
        with self._lock:
            self.disputes[dispute["id"]] = dispute
        return dict(dispute)

    def _list_page(self, path: str, objects: list[dict[str, Any]], params: dict[str, Any]) -> dict:
        """One page of a Stripe list: newest first, after `starting_after`, at most `limit`."""
        gte = int((params.get("created") or {}).get("gte") or 0)
        rows = sorted(
            (o for o in objects if o["created"] >= gte), key=lambda o: (o["created"], o["id"]), reverse=True
        )
        if after := params.get("starting_after"):
            ids = [o["id"] for o in rows]
            rows = rows[ids.index(after) + 1 :] if after in ids else []
        limit = min(int(params.get("limit") or 10), self.page_size)
        return {"object": "list", "url": path, "has_more": len(rows) > limit, "data": rows[:limit]}

    def signed(self, event: dict[str, Any], *, secret: str | None = None, timestamp: int | None = None):
        """(body, Stripe-Signature header) for posting `event` to the app."""
        body = json.dumps(event)
        return body, sign(body, secret or self.webhook_secret, timestamp)

    def deliver(self, event: dict[str, Any], url: str | None = None) -> int:
        """POST a signed event to the app over HTTP (needs a live server); returns the status."""
        body, header = self.signed(event)
        request = urllib.request.Request(
            url or self.webhook_url or "",
            data=body.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        self.deliveries.append((event["id"], status))
        return status

    # --- HTTP -----------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet test output

            def _send(self, status: int, body: str, content_type: str = "application/json", **headers):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str, code: str = "") -> None:
                kind = "api_error" if status >= 500 else "invalid_request_error"
                self._send(status, json.dumps({"error": {"type": kind, "message": message, "code": code}}))

            def _body(self) -> str:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length).decode() if length else ""

            def _api_preamble(self, params: dict[str, Any]) -> bool:
                fake.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "params": params,
                        "headers": dict(self.headers),
                    }
                )
                if fake.delay_seconds:
                    time.sleep(fake.delay_seconds)
                with fake._lock:
                    failure = fake._failures.pop(0) if fake._failures else None
                if failure:
                    self._error(failure, "Injected failure")
                    return False
                if self.headers.get("Authorization") != f"Bearer {fake.secret_key}":
                    self._error(401, "Invalid API Key provided")
                    return False
                return True

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if fake.promotion_route(self, path):
                    return
                lists = {
                    "/v1/checkout/sessions": lambda: [fake.session(i) for i in fake.sessions],
                    "/v1/refunds": lambda: list(fake.refunds.values()),
                    "/v1/disputes": lambda: list(fake.disputes.values()),
                }
                if path in lists:
                    params = parse_stripe_form(urlsplit(self.path).query)
                    if not self._api_preamble(params):
                        return
                    with fake._lock:
                        objects = lists[path]()
                    if status := params.get("status"):
                        objects = [o for o in objects if o.get("status") == status]
                    expand = [e.removeprefix("data.") for e in params.get("expand") or []]
                    objects = [
                        fake.expanded(o, expand) if path == "/v1/checkout/sessions" else o for o in objects
                    ]
                    self._send(200, json.dumps(fake._list_page(path, objects, params)))
                elif match := re.fullmatch(r"/v1/checkout/sessions/([^/]+)", path):
                    params = parse_stripe_form(urlsplit(self.path).query)
                    if not self._api_preamble(params):
                        return
                    if match.group(1) not in fake.sessions:
                        self._error(404, f"No such checkout.session: '{match.group(1)}'", "resource_missing")
                        return
                    session = fake.expanded(fake.session(match.group(1)), params.get("expand") or [])
                    self._send(200, json.dumps(session))
                elif match := re.fullmatch(r"/checkout/([^/]+)", path):
                    session = fake.sessions.get(match.group(1))
                    if session is None or session["status"] != "open":
                        self._send(404, "<h1>This checkout is closed</h1>", "text/html; charset=utf-8")
                        return
                    self._send(200, self._checkout_page(session), "text/html; charset=utf-8")
                else:
                    self._error(404, f"Unrecognized request URL (GET: {path})")

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                body = self._body()
                if fake.promotion_route(self, path, body):
                    return
                if path == "/v1/checkout/sessions":
                    params = parse_stripe_form(body)
                    if not self._api_preamble(params):
                        return
                    key = self.headers.get("Idempotency-Key")
                    with fake._lock:
                        existing = fake._idempotent.get(key) if key else None
                    if existing is None:
                        existing = fake.create_session(params)["id"]
                        if key:
                            with fake._lock:
                                existing = fake._idempotent.setdefault(key, existing)
                    self._send(200, json.dumps(fake.session(existing)))
                elif match := re.fullmatch(r"/checkout/([^/]+)/pay", path):
                    session_id = match.group(1)
                    if session_id not in fake.sessions or fake.sessions[session_id]["status"] != "open":
                        self._send(404, "<h1>This checkout is closed</h1>", "text/html; charset=utf-8")
                        return
                    session = fake.pay(session_id)
                    if fake.send_webhooks and fake.webhook_url:
                        fake.deliver(make_event("checkout.session.completed", session))
                    target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
                    self._send(303, "", "text/plain", Location=target)
                else:
                    self._error(404, f"Unrecognized request URL (POST: {path})")

            def _checkout_page(self, session: dict[str, Any]) -> str:
                return checkout_page(session, fake.promotion_codes)

        return Handler


@pytest.fixture
def fake_stripe(settings):
    """A running fake Stripe, with the app's Stripe settings pointing at it."""
    server = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = server.secret_key
    settings.STRIPE_WEBHOOK_SECRET = server.webhook_secret
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_NETWORK_RETRIES = 0
    settings.STRIPE_TIMEOUT_SECONDS = 5
    yield server
    server.stop()


@pytest.fixture
def fake_stripe_live(fake_stripe, live_server):
    """The fake Stripe delivering its webhooks to the live server (browser journeys)."""
    from django.urls import reverse

    fake_stripe.webhook_url = live_server.url + reverse("payments:webhook")
    return fake_stripe
