"""Fulfilling a purchase: a paid Checkout Session grants its course exactly
once, whoever asks (the webhook, the success page) and in whatever order; a
session that failed or expired closes its purchase."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import Course
from enrollments.services import enrollment_grant
from lms.models import User
from payments.models import Purchase
from payments.services import discounts, notices
from payments.services import stripe_objects as read
from payments.services.access import purchase_stands
from payments.services.errors import PermanentEventError
from payments.stripe_client import key_is_live

logger = logging.getLogger(__name__)

PAID_STATUSES = frozenset({"paid", "no_payment_required"})


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
    what = f"Checkout Session {session['id']}"
    metadata = read.mapping(session.get("metadata") or {}, what=f"{what}: metadata")
    user_id = read.metadata_pk(metadata, "user_id", what=what)
    course_id = read.metadata_pk(metadata, "course_id", what=what)
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


# What fulfilment reads of the buyer and the course (the enrollment, the
# notification, the receipt's title and link): the webhook, which shows nothing,
# loads only these of their rows (29 columns fewer to select and build).
_LEAN_RELATED = ("user__id", "course__id", "course__title", "course__slug")


def _purchase_lock_for_session(
    session: Mapping[str, Any], *, create: bool, lean: bool = False
) -> Purchase | None:
    """The purchase behind `session`, locked, with its buyer and course (`lean`:
    only the columns in _LEAN_RELATED of those two; reading any other loads it)."""
    session_id = read.stripe_id(session, what="Checkout Session")
    purchases = Purchase.objects.select_for_update(of=("self",)).select_related("user", "course")
    if lean:
        purchases = purchases.only(*(f.name for f in Purchase._meta.concrete_fields), *_LEAN_RELATED)

    def locked() -> Purchase | None:
        # get(), not first(): the session id is unique, so no ORDER BY to build.
        try:
            return purchases.get(stripe_session_id=session_id)
        except Purchase.DoesNotExist:
            return None

    purchase = locked()
    if purchase is None and create:
        _purchase_create_from_metadata(session)
        purchase = locked()
    return purchase


def _session_mismatch(purchase: Purchase, session: Mapping[str, Any]) -> str:
    """Why this session must not grant this purchase, or ""."""
    what = f"Checkout Session {session['id']}"
    # Values of the wrong type can never match: the event is refused, not compared.
    read.currency(session, what=what)
    metadata = read.mapping(session.get("metadata") or {}, what=f"{what}: metadata")
    problems = []
    if amounts := discounts.amounts_mismatch(purchase, session):
        problems.append(amounts)
    if (session.get("currency") or "").lower() != purchase.currency.lower():
        problems.append(f"currency {session.get('currency')!r} (expected {purchase.currency!r})")
    if bool(session.get("livemode")) != key_is_live():
        problems.append(f"livemode {session.get('livemode')} does not match the API key's mode")
    if metadata.get("user_id") not in (None, str(purchase.user_id)):
        problems.append(f"metadata user {metadata.get('user_id')} (expected {purchase.user_id})")
    if metadata.get("course_id") not in (None, str(purchase.course_id)):
        problems.append(f"metadata course {metadata.get('course_id')} (expected {purchase.course_id})")
    return "; ".join(problems)


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
    return purchase_fulfil_in_transaction(session=session)


def purchase_fulfil_in_transaction(*, session: Mapping[str, Any], lean: bool = False) -> FulfilResult:
    """`purchase_fulfil` inside the caller's transaction, without a savepoint of
    its own (two statements fewer): for the webhook, whose event transaction
    holds the event's lock and lets every exception out. Call inside
    `transaction.atomic()`; an exception must end that transaction. `lean`: the
    result's purchase has only the columns of its user and course that
    fulfilment reads (for a caller that only stores the purchase's id)."""
    session = read.mapping(session, what="Checkout Session")
    purchase = _purchase_lock_for_session(session, create=True, lean=lean)
    assert purchase is not None
    payment_intent = read.optional_stripe_id(
        session, "payment_intent", what=f"Checkout Session {session['id']}"
    )
    if purchase.status == Purchase.Status.COMPLETE:
        return FulfilResult(FulfilOutcome.ALREADY_FULFILLED, purchase)
    if purchase.status == Purchase.Status.REFUNDED and purchase.completed_at is None:
        _paid_while_refunded(purchase, session)
    # An expired purchase is fulfilled all the same: Stripe's "paid" outranks the
    # page's expiry, whichever event came first.
    if purchase.status not in (Purchase.Status.PENDING, Purchase.Status.EXPIRED):
        return FulfilResult(FulfilOutcome.CLOSED, purchase, f"the purchase is {purchase.status}")

    update_fields = []
    if payment_intent and purchase.payment_intent != payment_intent:
        purchase.payment_intent = payment_intent
        update_fields.append("payment_intent")
    if session.get("status") == "complete" and purchase.checkout_url:
        purchase.checkout_url = ""  # a completed session's page cannot be paid again
        update_fields.append("checkout_url")

    mismatch = _session_mismatch(purchase, session)
    if mismatch:
        logger.error(
            "Checkout Session %s does not match purchase %s: %s", session["id"], purchase.pk, mismatch
        )
        purchase.problem_note(f"Not fulfilled, the Checkout Session does not match: {mismatch}")
        purchase.save(update_fields=[*update_fields, "problem"])
        return FulfilResult(FulfilOutcome.MISMATCH, purchase, mismatch)
    if session.get("status") == "complete" or session.get("payment_status") in PAID_STATUSES:
        # What was paid, after promotion codes: refunds and revenue count it.
        update_fields += discounts.purchase_amounts_record(purchase, session)

    if session.get("payment_status") not in PAID_STATUSES:
        if update_fields:
            purchase.save(update_fields=update_fields)
        return FulfilResult(FulfilOutcome.UNPAID, purchase, f"payment_status {session.get('payment_status')}")

    purchase.status = Purchase.Status.COMPLETE
    purchase.completed_at = timezone.now()
    update_fields += ["status", "completed_at"]
    if not purchase_stands(purchase):
        # Disputed before this (delayed) payment's success arrived: recorded, access waits.
        purchase.save(update_fields=update_fields)
        notices.receipt_send(purchase)
        return FulfilResult(FulfilOutcome.FULFILLED, purchase, "access suspended by a dispute")
    grant = enrollment_grant(user=purchase.user, course=purchase.course, purchase_id=purchase.pk)
    if not grant.created and grant.enrollment.purchase_id not in (None, purchase.pk):
        # Two tabs, two payments: access exists already; a person decides on a refund.
        purchase.problem_note(
            f"Paid twice: access already came from purchase #{grant.enrollment.purchase_id}; "
            "consider refunding this one.",
        )
        update_fields.append("problem")
    purchase.save(update_fields=update_fields)
    notices.receipt_send(purchase)
    logger.info(
        "Purchase %s fulfilled: user %s, course %s", purchase.pk, purchase.user_id, purchase.course_id
    )
    return FulfilResult(FulfilOutcome.FULFILLED, purchase)


def _paid_while_refunded(purchase: Purchase, session: Mapping[str, Any]) -> None:
    """A delayed payment's success arrives after its refund: the payment is recorded
    (so a refund that fails later makes it complete again); access stays closed."""
    if session.get("payment_status") in PAID_STATUSES:
        purchase.completed_at = timezone.now()
        purchase.save(update_fields=["completed_at"])


def _pending_purchase_close(*, session: Mapping[str, Any], status: str) -> tuple[Purchase | None, bool]:
    """Close the pending purchase behind `session` (its Checkout page can no
    longer be paid). Returns the purchase (None for an unknown session) and
    whether this call closed it. The caller is inside a transaction."""
    purchase = _purchase_lock_for_session(read.mapping(session, what="Checkout Session"), create=False)
    if purchase is None or purchase.status != Purchase.Status.PENDING:
        return purchase, False
    if session.get("payment_status") in PAID_STATUSES:
        return purchase, False  # a paid session is never closed, whatever the event says
    purchase.status = status
    purchase.checkout_url = ""
    purchase.save(update_fields=["status", "checkout_url"])
    return purchase, True


@transaction.atomic
def purchase_fail(*, session: Mapping[str, Any]) -> Purchase | None:
    """A delayed payment failed: no access, and the buyer hears about it once."""
    purchase, closed = _pending_purchase_close(session=session, status=Purchase.Status.FAILED)
    if closed:
        notices.notice_send(purchase, notices.notice("payment_failed", purchase), event="payment_failed")
    return purchase


@transaction.atomic
def purchase_expire(*, session: Mapping[str, Any]) -> Purchase | None:
    """The Checkout page was abandoned: the purchase closes and a new Checkout may start."""
    purchase, _ = _pending_purchase_close(session=session, status=Purchase.Status.EXPIRED)
    return purchase
