"""The page a buyer comes back to from Stripe Checkout: it fulfils first if the
webhook has not arrived yet, as Stripe's guide asks, and says where the
purchase stands."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import stripe

from courses.models import Lesson
from courses.selectors import course_first_lesson
from enrollments.selectors import enrollment_active_exists
from payments.models import Purchase
from payments.selectors import purchase_of_user
from payments.services.fulfilment import FulfilOutcome, purchase_fulfil
from payments.stripe_client import checkout_session_retrieve, payments_configured

if TYPE_CHECKING:
    from lms.models import User

logger = logging.getLogger(__name__)


class SuccessState(StrEnum):
    ENROLLED = "enrolled"
    PROCESSING = "processing"  # paid with a delayed method, or Stripe could not be asked just now
    NOT_PAID = "not_paid"  # the Checkout page is still open: nothing was paid
    SUSPENDED = "suspended"  # paid, but access is suspended (a dispute)
    CLOSED = "closed"  # refunded, failed or expired
    PROBLEM = "problem"  # the payment did not match: staff will look at it
    NOT_FOUND = "not_found"  # unknown, forged or someone else's session


@dataclass(frozen=True)
class CheckoutSuccess:
    state: SuccessState
    purchase: Purchase | None = None
    first_lesson: Lesson | None = None


def _success_state(purchase: Purchase) -> SuccessState:
    if purchase.status == Purchase.Status.COMPLETE:
        if enrollment_active_exists(user=purchase.user, course=purchase.course):
            return SuccessState.ENROLLED
        return SuccessState.SUSPENDED
    if purchase.status == Purchase.Status.PENDING:
        return SuccessState.PROBLEM if purchase.problem else SuccessState.PROCESSING
    return SuccessState.CLOSED


def checkout_success(*, user: User, session_id: str) -> CheckoutSuccess:
    """What the buyer sees after Stripe sends them back, fulfilling first if the
    webhook has not arrived yet (Stripe's guide). Only the viewer's own
    purchases are considered, so a forged or borrowed session id grants nothing;
    a completed purchase is never fulfilled again (a bookmark is harmless)."""
    purchase = purchase_of_user(user=user, session_id=session_id)
    if purchase is None:
        return CheckoutSuccess(SuccessState.NOT_FOUND)
    if purchase.status == Purchase.Status.PENDING and not purchase.problem:
        if not payments_configured():
            # No key to ask Stripe with; the webhook (or a later visit) will settle it.
            return CheckoutSuccess(SuccessState.PROCESSING, purchase)
        try:
            session = checkout_session_retrieve(session_id=purchase.stripe_session_id)
        except stripe.StripeError as exc:
            logger.warning("Could not retrieve Checkout Session %s: %r", purchase.stripe_session_id, exc)
            return CheckoutSuccess(SuccessState.PROCESSING, purchase)
        if session.get("id") != purchase.stripe_session_id:
            return CheckoutSuccess(SuccessState.NOT_FOUND)
        result = purchase_fulfil(session=session)
        purchase = result.purchase
        if result.outcome == FulfilOutcome.UNPAID and session.get("status") == "open":
            return CheckoutSuccess(SuccessState.NOT_PAID, purchase)
    state = _success_state(purchase)
    # An enrolled student opens the course whatever its status (enrollments.policies).
    show_lesson = state == SuccessState.ENROLLED
    lesson = course_first_lesson(course=purchase.course) if show_lesson else None
    return CheckoutSuccess(state, purchase, lesson)
