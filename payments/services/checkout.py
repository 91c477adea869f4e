"""Starting a purchase: a Stripe Checkout Session for one course, reused by a
second click while its page is still open."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import stripe
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from enrollments.policies import enrollment_refusal
from enrollments.selectors import enrollment_active_exists
from lms.money import AmountNotRepresentable, to_minor_units
from payments.models import Purchase
from payments.stripe_client import checkout_session_create, payments_configured

if TYPE_CHECKING:
    from courses.models import Course
    from lms.models import User

logger = logging.getLogger(__name__)

# A Checkout page that closes within this margin is not handed out again.
CHECKOUT_REUSE_MARGIN = timedelta(minutes=5)


class CheckoutRefused(Exception):
    """The buyer may not buy this course (its own instructor, or it is closed to
    new students: enrollments.policies.enrollment_refusal). The message is for them."""


class PaymentsNotConfigured(Exception):
    """STRIPE_SECRET_KEY is empty: nothing can be bought."""


class AlreadyEnrolled(Exception):
    """The buyer already has active access; Stripe is not called."""


class PaymentInProgress(Exception):
    """A delayed payment method (a bank debit) is still being processed for this course."""


class PriceNotChargeable(Exception):
    """The course's price has more decimals than its currency has (100.50 jpy): Stripe is not called."""


class CheckoutUnavailable(Exception):
    """Stripe answered with an error or did not answer in time."""


@dataclass(frozen=True)
class CheckoutStart:
    purchase: Purchase
    url: str


def _checkout_idempotency_key(*, user: User, course: Course, unit_amount: int, attempt: int) -> str:
    # Stable across a double click (same attempt number), different after a
    # session was used or expired (the attempt number grows), and different
    # for a fresh database that reuses primary keys (the creation times).
    raw = (
        f"{user.pk}:{user.date_joined.isoformat()}:{course.pk}:{course.created_at.isoformat()}:"
        f"{unit_amount}:{course.currency}:{attempt}"
    )
    return "doctrina-checkout-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def _checkout_params(*, user: User, course: Course, unit_amount: int, site_url: str) -> dict[str, Any]:
    product: dict[str, Any] = {"name": course.title}
    # Stripe rejects empty strings, so optional fields are left out rather than blank.
    if course.subtitle:
        product["description"] = course.subtitle
    if course.thumbnail_url:
        product["images"] = [course.thumbnail_url]
    metadata = {"course_id": str(course.pk), "user_id": str(user.pk)}
    return {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": course.currency,
                    "unit_amount": unit_amount,
                    "product_data": product,
                },
            }
        ],
        "metadata": metadata,
        # Copied to the PaymentIntent, so charges, refunds and disputes carry it too.
        "payment_intent_data": {"metadata": metadata},
        "client_reference_id": str(user.pk),
        # The buyer may type a promotion code on Stripe's page; fulfilment records the discount.
        "allow_promotion_codes": True,
        "customer_email": user.email,
        # Stripe fills in {CHECKOUT_SESSION_ID}; it must reach Stripe unencoded.
        "success_url": f"{site_url}{reverse('payments:success')}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{site_url}{course.get_absolute_url()}",
    }


def _reusable_pending_purchase(*, user: User, course: Course) -> Purchase | None:
    return (
        Purchase.objects.filter(user=user, course=course, status=Purchase.Status.PENDING)
        .order_by("-created_at", "-pk")
        .first()
    )


def checkout_start(*, user: User, course: Course, site_url: str) -> CheckoutStart:
    """Start (or resume) paying for a published paid course; returns where to send the buyer.

    `site_url` is the public origin without a trailing slash. A second click on
    Buy while a Checkout page is open returns that page; two clicks at the same
    moment send the same idempotency key, so Stripe makes one session, and the
    unique session id makes one Purchase. Raises AlreadyEnrolled, CheckoutRefused,
    PaymentsNotConfigured, PriceNotChargeable, PaymentInProgress or
    CheckoutUnavailable; all but the last before Stripe is called or anything written."""
    if enrollment_active_exists(user=user, course=course):
        raise AlreadyEnrolled
    refusal = enrollment_refusal(user=user, course=course)
    if refusal is not None:
        raise CheckoutRefused(refusal)
    if not payments_configured():
        raise PaymentsNotConfigured
    try:
        unit_amount = to_minor_units(course.price, course.currency)
    except AmountNotRepresentable as exc:
        # Rounding would charge another price than the page shows; the instructor must fix it.
        logger.error("Course %s cannot be sold: %s", course.pk, exc)
        raise PriceNotChargeable(str(exc)) from exc
    # Any pending purchase whose Checkout was completed (it has a PaymentIntent and
    # no page left to pay) is a delayed payment still in flight, even behind a newer
    # open Checkout: offering another page would let the buyer pay twice.
    if (
        Purchase.objects.filter(user=user, course=course, status=Purchase.Status.PENDING, checkout_url="")
        .exclude(payment_intent="")
        .exists()
    ):
        raise PaymentInProgress

    pending = _reusable_pending_purchase(user=user, course=course)
    if pending is not None:
        still_open = pending.expires_at and pending.expires_at > timezone.now() + CHECKOUT_REUSE_MARGIN
        same_price = pending.amount == course.price and pending.currency == course.currency
        if pending.checkout_url and still_open and same_price:
            return CheckoutStart(purchase=pending, url=pending.checkout_url)

    attempt = Purchase.objects.filter(user=user, course=course).count()
    try:
        session = checkout_session_create(
            params=_checkout_params(user=user, course=course, unit_amount=unit_amount, site_url=site_url),
            idempotency_key=_checkout_idempotency_key(
                user=user, course=course, unit_amount=unit_amount, attempt=attempt
            ),
        )
    except stripe.StripeError as exc:
        logger.warning("Stripe Checkout Session for course %s, user %s failed: %r", course.pk, user.pk, exc)
        raise CheckoutUnavailable(str(exc)) from exc

    expires_at = session.get("expires_at")
    try:
        with transaction.atomic():
            purchase = Purchase.objects.create(
                user=user,
                course=course,
                amount=course.price,
                currency=course.currency,
                stripe_session_id=session["id"],
                checkout_url=session.get("url") or "",
                expires_at=datetime.fromtimestamp(expires_at, tz=UTC) if expires_at else None,
            )
    except IntegrityError:
        # The other click of a double click (same idempotency key, same session) got here first.
        purchase = Purchase.objects.get(stripe_session_id=session["id"], user=user)
    return CheckoutStart(purchase=purchase, url=session.get("url") or purchase.checkout_url)
