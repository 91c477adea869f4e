"""Promotion codes: what a Checkout Session says was taken off the price, checked
against the purchase and recorded on it.

A purchase's `amount` is what the buyer pays: the course's price when Checkout
starts, Stripe's `amount_total` once the session is complete. `amount_discount`
is what promotion codes took off, so `amount + amount_discount` is always the
price asked (`Purchase.amount_subtotal`). Refunds, disputes and revenue count
`amount`, what was paid, never the list price."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stripe

from lms.money import from_minor_units, to_minor_units
from payments.models import Purchase
from payments.services import stripe_objects as read
from payments.services.errors import PermanentEventError
from payments.stripe_client import promotion_code_retrieve

logger = logging.getLogger(__name__)

CODE_MAX_LENGTH = Purchase._meta.get_field("promotion_code").max_length


@dataclass(frozen=True)
class SessionAmounts:
    """A Checkout Session's money, in minor units."""

    subtotal: int  # before discounts
    discount: int
    total: int  # what the buyer pays


def session_amounts(session: Mapping[str, Any]) -> SessionAmounts:
    """The session's amounts, type-checked (PermanentEventError otherwise). A
    session without `amount_subtotal` or `total_details` had no discount."""
    what = f"Checkout Session {session.get('id')}"
    total = read.minor_amount(session, "amount_total", what=what)
    details = session.get("total_details")
    details = read.mapping(details, what=f"{what}: total_details") if details is not None else {}
    discount = read.minor_amount(details, "amount_discount", what=f"{what}: total_details", default=0)
    subtotal = read.minor_amount(session, "amount_subtotal", what=what, default=total + discount)
    return SessionAmounts(subtotal=subtotal, discount=discount, total=total)


def amounts_mismatch(purchase: Purchase, session: Mapping[str, Any]) -> str:
    """Why the session's amounts do not fit the purchase's price, or "": the price
    before discounts is the one asked, and the total is that price less the discount."""
    amounts = session_amounts(session)
    expected = to_minor_units(purchase.amount_subtotal, purchase.currency)
    if amounts.subtotal != expected:
        return f"amount {amounts.subtotal} before discounts (expected {expected})"
    if amounts.discount > amounts.subtotal:
        return f"discount {amounts.discount} is more than the price {amounts.subtotal}"
    if amounts.total != amounts.subtotal - amounts.discount:
        return f"amount {amounts.total} (expected {amounts.subtotal - amounts.discount})"
    return ""


def purchase_amounts_record(purchase: Purchase, session: Mapping[str, Any]) -> list[str]:
    """Set what the buyer pays, the discount and the promotion code from a
    complete session that passed `amounts_mismatch`; returns the changed
    fields (the caller saves them, holding the purchase's lock)."""
    amounts = session_amounts(session)
    amount = from_minor_units(amounts.total, purchase.currency)
    discount = from_minor_units(amounts.discount, purchase.currency)
    if (amount, discount) == (purchase.amount, purchase.amount_discount) and (
        purchase.promotion_code or not session.get("discounts")
    ):
        return []  # recorded already (a delayed payment's second event)
    purchase.amount, purchase.amount_discount = amount, discount
    purchase.promotion_code = session_promotion_code(session)
    return ["amount", "amount_discount", "promotion_code"]


def session_promotion_code(session: Mapping[str, Any]) -> str:
    """The code(s) the buyer typed, as they typed them. `discounts[].promotion_code`
    is an object when the session was fetched with it expanded (the success page),
    an id in events: then Stripe is asked, and the id is kept if it cannot answer.
    A code is only shown to people, so a malformed entry is logged and skipped
    rather than refusing a paid session."""
    entries = session.get("discounts") or []
    if not isinstance(entries, list):
        logger.warning("Checkout Session %s: discounts is not a list", session.get("id"))
        return ""
    codes = []
    for entry in entries:
        try:
            code = _entry_code(entry)
        except PermanentEventError as exc:
            logger.warning("Checkout Session %s: %s", session.get("id"), exc)
            continue
        if code and code not in codes:
            codes.append(code)
    text, _ = read.clean_for_database(", ".join(codes))
    return text[:CODE_MAX_LENGTH]


def _entry_code(entry: Any) -> str:
    entry = read.mapping(entry, what="A discount")
    promotion = entry.get("promotion_code")
    if promotion is None:
        return ""  # a coupon applied without a code (none is, from Doctrina's Checkout)
    if isinstance(promotion, Mapping):
        code = read.short_text(promotion, "code", what="A promotion code", max_length=CODE_MAX_LENGTH)
        return code or read.stripe_id(promotion, what="A promotion code")
    promotion_id = read.stripe_id(entry, "promotion_code", what="A discount")
    try:
        found = promotion_code_retrieve(promotion_code_id=promotion_id)
    except stripe.StripeError as exc:
        logger.warning("Could not retrieve promotion code %s: %r", promotion_id, exc)
        return promotion_id
    code = read.short_text(found, "code", what=f"Promotion code {promotion_id}", max_length=CODE_MAX_LENGTH)
    return code or promotion_id
