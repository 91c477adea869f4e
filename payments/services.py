"""Writes about purchases: starting a Checkout, fulfilling it exactly once, and
what Stripe's later events (failed async payments, expiry, refunds, disputes)
change.

Stripe's "Fulfill orders" guide is followed literally: one idempotent
`purchase_fulfil` is called by the webhook and by the success page, in any
order and at the same moment. Its guarantees rest on the database: the unique
Checkout Session id, the unique (user, course) enrollment, and row locks taken
in one order everywhere: webhook event, then purchase, then enrollment."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any

import stripe
from django.core.mail import send_mail
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from enrollments.models import Enrollment, Notification
from enrollments.selectors import enrollment_active_exists
from enrollments.services import (
    enrollment_grant,
    enrollment_restore,
    enrollment_revoke,
    notification_create,
)
from lms.models import User
from lms.money import AmountNotRepresentable, format_money, from_minor_units, to_minor_units
from payments.models import Purchase, Refund, WebhookEvent
from payments.stripe_client import (
    checkout_session_create,
    checkout_session_retrieve,
    key_is_live,
    payments_configured,
)

if TYPE_CHECKING:
    from courses.models import Lesson

logger = logging.getLogger(__name__)

# A Checkout page that closes within this margin is not handed out again.
CHECKOUT_REUSE_MARGIN = timedelta(minutes=5)
PAID_STATUSES = frozenset({"paid", "no_payment_required"})
# Refunds that count against the charge (Stripe's charge.amount_refunded counts these too).
REFUND_COUNTED_STATUSES = frozenset({Refund.Status.SUCCEEDED, Refund.Status.PENDING})
DISPUTE_RESTORES_ACCESS = frozenset({"won", "warning_closed"})


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


class PermanentEventError(Exception):
    """The event can never succeed (metadata missing, user or course gone): record it, answer 200."""


class RetryLater(Exception):
    """The event arrived before what it refers to (a refund before its purchase): answer 5xx."""


# --- Checkout -------------------------------------------------------------------


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
    unique session id makes one Purchase. Raises PaymentsNotConfigured,
    AlreadyEnrolled, PriceNotChargeable, PaymentInProgress or CheckoutUnavailable."""
    if not payments_configured():
        raise PaymentsNotConfigured
    if enrollment_active_exists(user=user, course=course):
        raise AlreadyEnrolled
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


# --- Fulfilment -----------------------------------------------------------------


class FulfilOutcome(StrEnum):
    FULFILLED = "fulfilled"  # this call completed the purchase and granted access
    ALREADY_FULFILLED = "already_fulfilled"  # an earlier call did; nothing written
    UNPAID = "unpaid"  # not paid (yet): a delayed payment method, or an open session
    MISMATCH = "mismatch"  # amount, currency, livemode or metadata disagree: nothing granted
    CLOSED = "closed"  # the purchase was refunded, failed or expired: nothing granted


@dataclass(frozen=True)
class FulfilResult:
    outcome: FulfilOutcome
    purchase: Purchase
    detail: str = ""


def _purchase_create_from_metadata(session: Mapping[str, Any]) -> None:
    """The Checkout was started but its pending Purchase never written (a crash
    between Stripe's answer and our insert): rebuild it from the session's metadata."""
    metadata = session.get("metadata") or {}
    user_id, course_id = metadata.get("user_id"), metadata.get("course_id")
    if not user_id or not course_id:
        raise PermanentEventError(f"Checkout Session {session['id']} is unknown here and has no metadata")
    user = User.objects.filter(pk=user_id).first()
    course = Course.objects.filter(pk=course_id).first()
    if user is None or course is None:
        raise PermanentEventError(
            f"Checkout Session {session['id']}: user {user_id} or course {course_id} no longer exists"
        )
    try:
        with transaction.atomic():
            Purchase.objects.create(
                user=user,
                course=course,
                amount=course.price,
                currency=course.currency,
                stripe_session_id=session["id"],
            )
    except IntegrityError:
        pass  # a concurrent call created it; the caller locks and reads it


def _purchase_lock_for_session(session: Mapping[str, Any], *, create: bool) -> Purchase | None:
    session_id = session.get("id")
    if not session_id:
        raise PermanentEventError("Checkout Session without an id")

    def locked() -> Purchase | None:
        return (
            Purchase.objects.select_for_update(of=("self",))
            .select_related("user", "course")
            .filter(stripe_session_id=session_id)
            .first()
        )

    purchase = locked()
    if purchase is None and create:
        _purchase_create_from_metadata(session)
        purchase = locked()
    return purchase


def _session_mismatch(purchase: Purchase, session: Mapping[str, Any]) -> str:
    """Why this session must not grant this purchase, or ""."""
    problems = []
    expected = to_minor_units(purchase.amount, purchase.currency)
    if session.get("amount_total") != expected:
        problems.append(f"amount {session.get('amount_total')} (expected {expected})")
    if (session.get("currency") or "").lower() != purchase.currency.lower():
        problems.append(f"currency {session.get('currency')!r} (expected {purchase.currency!r})")
    if bool(session.get("livemode")) != key_is_live():
        problems.append(f"livemode {session.get('livemode')} does not match the API key's mode")
    metadata = session.get("metadata") or {}
    if metadata.get("user_id") not in (None, str(purchase.user_id)):
        problems.append(f"metadata user {metadata.get('user_id')} (expected {purchase.user_id})")
    if metadata.get("course_id") not in (None, str(purchase.course_id)):
        problems.append(f"metadata course {metadata.get('course_id')} (expected {purchase.course_id})")
    return "; ".join(problems)


def _problem_add(purchase: Purchase, text: str) -> None:
    if text not in purchase.problem:
        purchase.problem = f"{purchase.problem}\n{text}".strip()


def _receipt_send(purchase_id: int) -> None:
    purchase = Purchase.objects.select_related("user", "course").get(pk=purchase_id)
    send_mail(
        subject=f"Your receipt: {purchase.course.title}",
        message=(
            f"Thank you for buying “{purchase.course.title}” on Doctrina.\n\n"
            f"Amount paid: {format_money(purchase.amount, purchase.currency)}\n"
            f"Reference: {purchase.stripe_session_id}\n"
        ),
        from_email=None,
        recipient_list=[purchase.user.email],
    )


@transaction.atomic
def purchase_fulfil(*, session: Mapping[str, Any]) -> FulfilResult:
    """Complete the purchase behind a paid Checkout Session and grant its course, exactly once.

    `session` is the Checkout Session as Stripe sends it: an event's
    `data.object`, or a session retrieved by the success page. Call it any
    number of times, concurrently: the purchase row is locked first (then the
    enrollment, inside `enrollment_grant`), so one call fulfils and every other
    one answers ALREADY_FULFILLED. A session whose amount, currency, livemode
    or metadata disagree with the purchase grants nothing and is flagged on
    the purchase for staff. Raises PermanentEventError when the session cannot
    be tied to a user and a course."""
    purchase = _purchase_lock_for_session(session, create=True)
    assert purchase is not None
    if purchase.status == Purchase.Status.COMPLETE:
        return FulfilResult(FulfilOutcome.ALREADY_FULFILLED, purchase)
    if purchase.status != Purchase.Status.PENDING:
        return FulfilResult(FulfilOutcome.CLOSED, purchase, f"the purchase is {purchase.status}")

    update_fields = []
    if session.get("payment_intent") and purchase.payment_intent != session["payment_intent"]:
        purchase.payment_intent = session["payment_intent"]
        update_fields.append("payment_intent")
    if session.get("status") == "complete" and purchase.checkout_url:
        purchase.checkout_url = ""  # a completed session's page cannot be paid again
        update_fields.append("checkout_url")

    mismatch = _session_mismatch(purchase, session)
    if mismatch:
        logger.error(
            "Checkout Session %s does not match purchase %s: %s", session["id"], purchase.pk, mismatch
        )
        _problem_add(purchase, f"Not fulfilled, the Checkout Session does not match: {mismatch}")
        purchase.save(update_fields=[*update_fields, "problem"])
        return FulfilResult(FulfilOutcome.MISMATCH, purchase, mismatch)

    if session.get("payment_status") not in PAID_STATUSES:
        if update_fields:
            purchase.save(update_fields=update_fields)
        return FulfilResult(FulfilOutcome.UNPAID, purchase, f"payment_status {session.get('payment_status')}")

    purchase.status = Purchase.Status.COMPLETE
    purchase.completed_at = timezone.now()
    update_fields += ["status", "completed_at"]
    grant = enrollment_grant(user=purchase.user, course=purchase.course, purchase=purchase)
    if not grant.created and grant.enrollment.purchase_id not in (None, purchase.pk):
        # Two tabs, two payments: access exists already; a person decides on a refund.
        _problem_add(
            purchase,
            f"Paid twice: access already came from purchase #{grant.enrollment.purchase_id}; "
            "consider refunding this one.",
        )
        update_fields.append("problem")
    purchase.save(update_fields=update_fields)
    transaction.on_commit(partial(_receipt_send, purchase.pk), robust=True)
    logger.info(
        "Purchase %s fulfilled: user %s, course %s", purchase.pk, purchase.user_id, purchase.course_id
    )
    return FulfilResult(FulfilOutcome.FULFILLED, purchase)


def _pending_purchase_close(*, session: Mapping[str, Any], status: str) -> tuple[Purchase | None, bool]:
    """Close the pending purchase behind `session` (its Checkout page can no
    longer be paid). Returns the purchase (None for an unknown session) and
    whether this call closed it. The caller is inside a transaction."""
    purchase = _purchase_lock_for_session(session, create=False)
    if purchase is None or purchase.status != Purchase.Status.PENDING:
        return purchase, False
    purchase.status = status
    purchase.checkout_url = ""
    purchase.save(update_fields=["status", "checkout_url"])
    return purchase, True


@transaction.atomic
def purchase_fail(*, session: Mapping[str, Any]) -> Purchase | None:
    """A delayed payment failed: no access, and the buyer hears about it once."""
    purchase, closed = _pending_purchase_close(session=session, status=Purchase.Status.FAILED)
    if closed:
        notification_create(
            user=purchase.user,
            kind=Notification.Kind.PAYMENT,
            title="Payment failed",
            message=(
                f"Your payment for “{purchase.course.title}” did not go through. "
                "Nothing was charged; you can try again from the course page."
            ),
            course=purchase.course,
        )
    return purchase


@transaction.atomic
def purchase_expire(*, session: Mapping[str, Any]) -> Purchase | None:
    """The Checkout page was abandoned: the purchase closes and a new Checkout may start."""
    purchase, _ = _pending_purchase_close(session=session, status=Purchase.Status.EXPIRED)
    return purchase


# --- Refunds and disputes -------------------------------------------------------


def _purchase_lock_for_payment_intent(payment_intent: str | None, *, what: str) -> Purchase:
    if not payment_intent:
        raise PermanentEventError(f"{what} has no payment_intent, so it cannot be tied to a purchase")
    purchase = (
        Purchase.objects.select_for_update(of=("self",))
        .select_related("user", "course")
        .filter(payment_intent=payment_intent)
        .first()
    )
    if purchase is None:
        # Stripe does not order events: the refund may come before the checkout's event.
        raise RetryLater(f"{what}: no purchase with payment_intent {payment_intent} yet")
    return purchase


def _enrollment_lock_for(purchase: Purchase) -> Enrollment | None:
    """The enrollment this purchase paid for, locked; None if access now rests on
    another purchase (or on none). The row is locked by (user, course), not by
    purchase, so that two refunds or disputes of the same buyer's two purchases
    wait for each other instead of each missing the other's change."""
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(user_id=purchase.user_id, course_id=purchase.course_id)
        .first()
    )
    if enrollment is None or enrollment.purchase_id != purchase.pk:
        return None
    return enrollment


def _access_withdraw(purchase: Purchase) -> bool:
    """Take back the access `purchase` paid for (a full refund, a dispute). If the
    buyer paid for the course twice and the other payment still stands, access
    moves to that purchase instead. Returns whether access ended with this call.
    The caller holds the purchase's lock."""
    enrollment = _enrollment_lock_for(purchase)
    if enrollment is None or not enrollment.is_active:
        return False
    other = (
        Purchase.objects.filter(
            user_id=purchase.user_id,
            course_id=purchase.course_id,
            status=Purchase.Status.COMPLETE,
            dispute_status__in=[Purchase.DisputeStatus.NONE, Purchase.DisputeStatus.WON],
        )
        .exclude(pk=purchase.pk)
        .order_by("completed_at", "pk")
        .first()
    )
    if other is not None:
        enrollment.purchase = other
        enrollment.save(update_fields=["purchase"])
        logger.info("Purchase %s taken back; access now rests on purchase %s", purchase.pk, other.pk)
        return False
    enrollment_revoke(enrollment=enrollment)
    return True


def _refund_record(*, purchase: Purchase, refund: Mapping[str, Any]) -> None:
    amount = from_minor_units(refund.get("amount") or 0, purchase.currency)
    status = refund.get("status") or Refund.Status.SUCCEEDED
    try:
        with transaction.atomic():
            Refund.objects.create(
                purchase=purchase, stripe_refund_id=refund["id"], amount=amount, status=status
            )
    except IntegrityError:
        Refund.objects.filter(stripe_refund_id=refund["id"]).update(status=status, amount=amount)


def _purchase_refunded_apply(*, purchase: Purchase, refunded_minor: int) -> Purchase:
    """Raise `amount_refunded` to what Stripe says was refunded so far (never add up:
    the same refund arrives as several events). The caller holds the purchase lock."""
    refunded = from_minor_units(refunded_minor, purchase.currency)
    if refunded <= purchase.amount_refunded:
        return purchase  # seen already, or an older event arriving late
    purchase.amount_refunded = refunded
    fields = ["amount_refunded"]
    course = purchase.course
    if refunded >= purchase.amount:
        purchase.status = Purchase.Status.REFUNDED
        fields.append("status")
        if _access_withdraw(purchase):
            access = " Access to the course has ended."
        elif enrollment_active_exists(user=purchase.user, course=course):
            # Bought again, or paid twice: another purchase holds the access up.
            access = " You keep access to the course through your other purchase."
        else:
            access = ""
        notification_create(
            user=purchase.user,
            kind=Notification.Kind.REFUND,
            title="Refund issued",
            message=(
                f"You were refunded {format_money(refunded, purchase.currency)} for “{course.title}”.{access}"
            ),
            course=course,
        )
    else:
        notification_create(
            user=purchase.user,
            kind=Notification.Kind.REFUND,
            title="Partial refund issued",
            message=(
                f"You were refunded {format_money(refunded, purchase.currency)} of "
                f"{format_money(purchase.amount, purchase.currency)} for “{course.title}”. "
                "You keep access to the course."
            ),
            course=course,
        )
    purchase.save(update_fields=fields)
    return purchase


def _refunds_counted_minor(purchase: Purchase) -> int:
    total = purchase.refunds.filter(status__in=REFUND_COUNTED_STATUSES).aggregate(s=Sum("amount"))["s"]
    return to_minor_units(total or Decimal("0"), purchase.currency)


@transaction.atomic
def purchase_charge_refunded(*, charge: Mapping[str, Any]) -> Purchase:
    """`charge.refunded`: the charge's cumulative `amount_refunded` is the truth."""
    purchase = _purchase_lock_for_payment_intent(
        charge.get("payment_intent"), what=f"Charge {charge.get('id')}"
    )
    for refund in (charge.get("refunds") or {}).get("data") or []:
        _refund_record(purchase=purchase, refund=refund)
    refunded_minor = max(int(charge.get("amount_refunded") or 0), _refunds_counted_minor(purchase))
    return _purchase_refunded_apply(purchase=purchase, refunded_minor=refunded_minor)


@transaction.atomic
def purchase_refund_sync(*, refund: Mapping[str, Any]) -> Purchase:
    """`refund.created`, `refund.updated`, `refund.failed`: recorded once under the refund's
    id; the purchase's total is the sum of distinct refunds, never a running addition."""
    purchase = _purchase_lock_for_payment_intent(
        refund.get("payment_intent"), what=f"Refund {refund.get('id')}"
    )
    _refund_record(purchase=purchase, refund=refund)
    if refund.get("status") in (Refund.Status.FAILED, Refund.Status.CANCELED):
        logger.warning("Refund %s of purchase %s %s", refund.get("id"), purchase.pk, refund.get("status"))
        _problem_add(purchase, f"Refund {refund.get('id')} {refund.get('status')}; check it in Stripe.")
        purchase.save(update_fields=["problem"])
        return purchase
    return _purchase_refunded_apply(purchase=purchase, refunded_minor=_refunds_counted_minor(purchase))


@transaction.atomic
def purchase_dispute_open(*, dispute: Mapping[str, Any]) -> Purchase:
    """`charge.dispute.created`: access is suspended and the purchase flagged for staff."""
    purchase = _purchase_lock_for_payment_intent(
        dispute.get("payment_intent"), what=f"Dispute {dispute.get('id')}"
    )
    if purchase.dispute_status == Purchase.DisputeStatus.OPEN:
        return purchase
    purchase.dispute_status = Purchase.DisputeStatus.OPEN
    purchase.stripe_dispute_id = dispute.get("id") or ""
    _problem_add(purchase, f"Disputed ({dispute.get('reason') or 'no reason given'}): {dispute.get('id')}")
    purchase.save(update_fields=["dispute_status", "stripe_dispute_id", "problem"])
    if _access_withdraw(purchase):
        notification_create(
            user=purchase.user,
            kind=Notification.Kind.PAYMENT,
            title="Course access suspended",
            message=(
                f"Your payment for “{purchase.course.title}” is disputed with your bank. "
                "Access is suspended until the dispute is resolved."
            ),
            course=purchase.course,
        )
    return purchase


@transaction.atomic
def purchase_dispute_close(*, dispute: Mapping[str, Any]) -> Purchase:
    """`charge.dispute.closed`: won (or an inquiry closed) restores access; lost keeps it revoked."""
    purchase = _purchase_lock_for_payment_intent(
        dispute.get("payment_intent"), what=f"Dispute {dispute.get('id')}"
    )
    won = dispute.get("status") in DISPUTE_RESTORES_ACCESS
    new_status = Purchase.DisputeStatus.WON if won else Purchase.DisputeStatus.LOST
    if purchase.dispute_status == new_status:
        return purchase
    purchase.dispute_status = new_status
    purchase.save(update_fields=["dispute_status"])
    if won and purchase.status == Purchase.Status.COMPLETE:
        enrollment = _enrollment_lock_for(purchase)
        if enrollment is None:
            enrollment_grant(user=purchase.user, course=purchase.course, purchase=purchase)
        else:
            enrollment_restore(
                enrollment=enrollment,
                reason=f"The dispute about your payment for “{purchase.course.title}” is resolved: "
                "your access is back.",
            )
    return purchase


# --- Webhook events -------------------------------------------------------------


class WebhookOutcome(StrEnum):
    DONE = "done"  # processed, ignored or rejected now: 200
    DUPLICATE = "duplicate"  # processed before: 200, nothing done
    RETRY = "retry"  # transient failure, rolled back: 5xx so Stripe retries


@dataclass(frozen=True)
class _Handled:
    status: str
    purchase: Purchase | None = None
    note: str = ""


def _on_session_paid(data: Mapping[str, Any]) -> _Handled:
    result = purchase_fulfil(session=data)
    if result.outcome == FulfilOutcome.MISMATCH:
        return _Handled(WebhookEvent.Status.REJECTED, result.purchase, f"Mismatch: {result.detail}")
    if result.outcome == FulfilOutcome.CLOSED:
        return _Handled(WebhookEvent.Status.IGNORED, result.purchase, result.detail)
    return _Handled(WebhookEvent.Status.PROCESSED, result.purchase, result.outcome.value)


def _on_session_failed(data: Mapping[str, Any]) -> _Handled:
    purchase = purchase_fail(session=data)
    return _Handled(WebhookEvent.Status.PROCESSED if purchase else WebhookEvent.Status.IGNORED, purchase)


def _on_session_expired(data: Mapping[str, Any]) -> _Handled:
    purchase = purchase_expire(session=data)
    return _Handled(WebhookEvent.Status.PROCESSED if purchase else WebhookEvent.Status.IGNORED, purchase)


def _on_charge_refunded(data: Mapping[str, Any]) -> _Handled:
    return _Handled(WebhookEvent.Status.PROCESSED, purchase_charge_refunded(charge=data))


def _on_refund(data: Mapping[str, Any]) -> _Handled:
    return _Handled(WebhookEvent.Status.PROCESSED, purchase_refund_sync(refund=data))


def _on_dispute_created(data: Mapping[str, Any]) -> _Handled:
    return _Handled(WebhookEvent.Status.PROCESSED, purchase_dispute_open(dispute=data))


def _on_dispute_closed(data: Mapping[str, Any]) -> _Handled:
    return _Handled(WebhookEvent.Status.PROCESSED, purchase_dispute_close(dispute=data))


EVENT_HANDLERS: dict[str, Callable[[Mapping[str, Any]], _Handled]] = {
    "checkout.session.completed": _on_session_paid,
    "checkout.session.async_payment_succeeded": _on_session_paid,
    "checkout.session.async_payment_failed": _on_session_failed,
    "checkout.session.expired": _on_session_expired,
    "charge.refunded": _on_charge_refunded,
    "refund.created": _on_refund,
    "refund.updated": _on_refund,
    "refund.failed": _on_refund,
    "charge.refund.updated": _on_refund,
    "charge.dispute.created": _on_dispute_created,
    "charge.dispute.closed": _on_dispute_closed,
}


def webhook_event_record(*, event: Mapping[str, Any]) -> WebhookEvent:
    """Store a verified event once under its Stripe id (committed at once, so the
    record survives a failure of the work). A redelivery returns the stored row."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(
                stripe_event_id=event["id"],
                type=event["type"],
                livemode=bool(event.get("livemode")),
                payload=event,
            )
    except IntegrityError:
        return WebhookEvent.objects.get(stripe_event_id=event["id"])


def _webhook_event_mark(*, stripe_event_id: str, status: str, error: str, done: bool) -> None:
    WebhookEvent.objects.filter(stripe_event_id=stripe_event_id).update(
        status=status,
        error=error[:10_000],
        attempts=F("attempts") + 1,
        processed_at=timezone.now() if done else None,
    )


def webhook_event_process(*, stripe_event_id: str) -> WebhookOutcome:
    """Do an event's work and mark it processed in the same transaction.

    Redeliveries of the same event (even at the same moment) wait on the event
    row's lock and then find it done. A database error or an event that came
    too early rolls everything back and leaves the event unprocessed (RETRY); a
    permanent problem is recorded on the event and not retried."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.select_for_update().get(stripe_event_id=stripe_event_id)
            if event.is_done:
                return WebhookOutcome.DUPLICATE
            handler = EVENT_HANDLERS.get(event.type)
            if handler is None:
                handled = _Handled(WebhookEvent.Status.IGNORED, note="event type not handled")
            else:
                handled = handler(event.payload["data"]["object"])
            event.status = handled.status
            event.error = handled.note if handled.status == WebhookEvent.Status.REJECTED else ""
            event.purchase = handled.purchase
            event.attempts += 1
            event.processed_at = timezone.now()
            event.save(update_fields=["status", "error", "purchase", "attempts", "processed_at"])
            return WebhookOutcome.DONE
    except PermanentEventError as exc:
        logger.error("Stripe event %s rejected: %s", stripe_event_id, exc)
        _webhook_event_mark(
            stripe_event_id=stripe_event_id, status=WebhookEvent.Status.REJECTED, error=str(exc), done=True
        )
        return WebhookOutcome.DONE
    except (RetryLater, DatabaseError) as exc:
        logger.warning("Stripe event %s failed, Stripe will retry: %r", stripe_event_id, exc)
        try:
            _webhook_event_mark(
                stripe_event_id=stripe_event_id,
                status=WebhookEvent.Status.FAILED,
                error=repr(exc),
                done=False,
            )
        except DatabaseError:
            logger.exception("Could not record the failure of Stripe event %s", stripe_event_id)
        return WebhookOutcome.RETRY


# --- The success page -----------------------------------------------------------


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
    from courses.selectors import course_first_lesson
    from payments.selectors import purchase_of_user

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
    # An unpublished course's pages answer 404: no link to its first lesson.
    show_lesson = state == SuccessState.ENROLLED and purchase.course.is_published
    lesson = course_first_lesson(course=purchase.course) if show_lesson else None
    return CheckoutSuccess(state, purchase, lesson)
