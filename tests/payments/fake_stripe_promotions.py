"""The fake Stripe's promotion codes and its hosted Checkout page (mixed into
FakeStripe in tests/payments/fake_stripe.py).

A test makes a code (`promotion_code_create("SPRING20", percent_off=20)`); the
buyer types it on the Checkout page of a session created with
`allow_promotion_codes`, or a test applies it (`promotion_code_apply`). The
session then carries what Stripe's does: `discounts` ([{coupon, promotion_code}],
ids unless expanded), `total_details.amount_discount` and a smaller
`amount_total`; paying a session whose total is 0 gives `no_payment_required`
and no PaymentIntent, as Stripe does for a 100 % discount.

  GET  /v1/promotion_codes/<id>      the promotion code (`code` is what the buyer typed)
  GET  /v1/checkout/sessions[/<id>]  with expand[]=discounts.promotion_code (or
                                     data.discounts.promotion_code for the list):
                                     the promotion codes as objects
  POST /checkout/<id>/promotion      the page's "Apply" form (field `code`): the
                                     page again, with the new total or an error
"""

from __future__ import annotations

import html
import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl

NO_DISCOUNT = {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}


def _new_id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


class PromotionCodes:
    """Needs the FakeStripe's `sessions`, `promotion_codes` and `_lock`."""

    sessions: dict[str, dict[str, Any]]
    promotion_codes: dict[str, dict[str, Any]]

    def promotion_code_create(
        self, code: str, *, percent_off: float | None = None, amount_off: int | None = None, active=True
    ) -> dict[str, Any]:
        """A promotion code for a coupon of `percent_off` % or `amount_off` minor units."""
        promotion = {
            "id": _new_id("promo"),
            "object": "promotion_code",
            "active": active,
            "code": code,
            "coupon": {
                "id": _new_id("co"),
                "object": "coupon",
                "percent_off": percent_off,
                "amount_off": amount_off,
            },
        }
        with self._lock:
            self.promotion_codes[promotion["id"]] = promotion
        return dict(promotion)

    def promotion_code_apply(self, session_id: str, code: str) -> bool:
        """Apply `code` (matched case-insensitively, as Stripe does) to an open
        session that allows codes; False, and nothing changed, otherwise."""
        with self._lock:
            session = self.sessions[session_id]
            promotion = next(
                (
                    p
                    for p in self.promotion_codes.values()
                    if p["active"] and p["code"].lower() == code.strip().lower()
                ),
                None,
            )
            if promotion is None or not session["allow_promotion_codes"] or session["status"] != "open":
                return False
            subtotal, coupon = session["amount_subtotal"], promotion["coupon"]
            if coupon["percent_off"] is not None:
                discount = round(subtotal * coupon["percent_off"] / 100)
            else:
                discount = min(subtotal, coupon["amount_off"])
            session["discounts"] = [{"coupon": coupon["id"], "promotion_code": promotion["id"]}]
            session["total_details"] = {**NO_DISCOUNT, "amount_discount": discount}
            session["amount_total"] = subtotal - discount
        return True

    def expanded(self, session: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        """`session` with its promotion codes as objects when `expand` asks for them."""
        if "discounts.promotion_code" not in expand:
            return session
        discounts = [
            {**d, "promotion_code": dict(self.promotion_codes[d["promotion_code"]])}
            if isinstance(d.get("promotion_code"), str)
            else d
            for d in session.get("discounts") or []
        ]
        return {**session, "discounts": discounts}

    def promotion_route(self, handler: Any, path: str, body: str = "") -> bool:
        """Serve the promotion-code API and the page's Apply form; False for other paths."""
        if handler.command == "GET" and (match := re.fullmatch(r"/v1/promotion_codes/([^/]+)", path)):
            if handler._api_preamble({}):
                promotion = self.promotion_codes.get(match.group(1))
                if promotion is None:
                    handler._error(404, f"No such promotion code: '{match.group(1)}'", "resource_missing")
                else:
                    handler._send(200, json.dumps(promotion))
            return True
        if handler.command == "POST" and (match := re.fullmatch(r"/checkout/([^/]+)/promotion", path)):
            session = self.sessions.get(match.group(1))
            if session is None or session["status"] != "open":
                handler._send(404, "<h1>This checkout is closed</h1>", "text/html; charset=utf-8")
                return True
            code = dict(parse_qsl(body)).get("code", "")
            error = "" if self.promotion_code_apply(session["id"], code) else "This code is not valid."
            handler._send(
                200, checkout_page(session, self.promotion_codes, error=error), "text/html; charset=utf-8"
            )
            return True
        return False


def checkout_page(session: dict[str, Any], promotion_codes: dict[str, Any], *, error: str = "") -> str:
    """The hosted Checkout page: what is bought, the total, a promotion-code
    field when the session allows codes, and "Pay"."""
    item = (session["_line_items"] or [{}])[0].get("price_data", {})
    name = html.escape(item.get("product_data", {}).get("name", ""))
    currency = session["currency"].upper()
    amount = f"{session['amount_total']} {currency} (minor units)"
    promotion = ""
    if session["allow_promotion_codes"]:
        applied = ""
        for discount in session["discounts"]:
            code = html.escape(promotion_codes[discount["promotion_code"]]["code"])
            off = session["total_details"]["amount_discount"]
            applied += f"<p data-testid='discount'>{code} applied: −{off} {currency}</p>"
        message = f"<p role='alert' data-testid='promotion-error'>{html.escape(error)}</p>" if error else ""
        promotion = (
            f"{applied}<form method='post' action='/checkout/{session['id']}/promotion'>"
            "<label for='promotion-code'>Promotion code</label> "
            "<input id='promotion-code' name='code' autocomplete='off'> "
            f"<button type='submit'>Apply</button></form>{message}"
        )
    return (
        "<!doctype html><html lang='en'><head><title>Fake Stripe Checkout</title></head><body>"
        f"<h1>Pay for {name}</h1><p data-testid='amount'>{html.escape(amount)}</p>"
        f"<p>{html.escape(session.get('customer_email') or '')}</p>{promotion}"
        f"<form method='post' action='/checkout/{session['id']}/pay'>"
        "<button type='submit'>Pay</button></form>"
        f"<p><a href='{html.escape(session['cancel_url'] or '')}'>Cancel</a></p>"
        "</body></html>"
    )
