"""Stripe does not promise the order of its events. Every pair (and every
longer run) of events about one object ends in the same state whichever
arrives first, and a retry of an old event days later never undoes a newer
one. Each scenario is a list of events with the `created` times Stripe would
give them; the tests post every ordering of it, as real signed bodies, to the
webhook, and check what the buyer would notice: access, the purchase, the
refunded amount and the notifications (one per effect)."""

import itertools
import time
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from enrollments.models import Enrollment
from notifications.models import Notification
from payments.models import Purchase, WebhookEvent

pytestmark = pytest.mark.django_db

# The events were made three days ago: what a delivery after an outage looks like.
T0 = int(time.time()) - 3 * 86400
T1, T2 = T0 + 60, T0 + 120


@dataclass
class Expected:
    access: bool
    status: str
    refunded: Decimal
    dispute_status: str = ""
    exactly_once: tuple[str, ...] = ()  # notification titles the buyer gets exactly once
    never: tuple[str, ...] = ()  # notification titles the buyer never gets
    at_most_once: tuple[str, ...] = ()  # titles that depend on the order (told, then told otherwise)
    paired: tuple[tuple[str, str], ...] = field(default=())  # (a, b): as many a as b


def _dispute_won(fake, sid):
    d = fake.dispute(sid, created=T0)
    return {
        "created": fake.event("charge.dispute.created", d, created=T0),
        "updated": fake.event("charge.dispute.updated", {**d, "status": "under_review"}, created=T1),
        "closed_won": fake.event("charge.dispute.closed", {**d, "status": "won"}, created=T2),
    }, Expected(
        access=True,
        status=Purchase.Status.COMPLETE,
        refunded=Decimal("0"),
        dispute_status=Purchase.DisputeStatus.WON,
        at_most_once=("Course access suspended", "Course access restored"),
        paired=(("Course access suspended", "Course access restored"),),
        never=("Course access ended",),
    )


def _dispute_funds(fake, sid):
    d = fake.dispute(sid, created=T0)
    return {
        "created": fake.event("charge.dispute.created", d, created=T0),
        "funds_withdrawn": fake.event("charge.dispute.funds_withdrawn", d, created=T0),
        "closed_won": fake.event("charge.dispute.closed", {**d, "status": "won"}, created=T2),
        "funds_reinstated": fake.event("charge.dispute.funds_reinstated", {**d, "status": "won"}, created=T2),
    }, Expected(
        access=True,
        status=Purchase.Status.COMPLETE,
        refunded=Decimal("0"),
        dispute_status=Purchase.DisputeStatus.WON,
        at_most_once=("Course access suspended", "Course access restored"),
        paired=(("Course access suspended", "Course access restored"),),
    )


def _dispute_lost(fake, sid):
    d = fake.dispute(sid, created=T0)
    return {
        "created": fake.event("charge.dispute.created", d, created=T0),
        "updated": fake.event("charge.dispute.updated", {**d, "status": "under_review"}, created=T1),
        "closed_lost": fake.event("charge.dispute.closed", {**d, "status": "lost"}, created=T2),
    }, Expected(
        access=False,
        status=Purchase.Status.COMPLETE,
        refunded=Decimal("0"),
        dispute_status=Purchase.DisputeStatus.LOST,
        exactly_once=("Course access ended",),
        at_most_once=("Course access suspended",),
        never=("Course access restored",),
    )


def _refund_pending_then_failed(fake, sid):
    r = fake.refund(sid, amount=4900, status="pending", created=T0)
    failed = {**r, "status": "failed", "failure_reason": "expired_or_canceled_card"}
    return {
        "refund_created": fake.event("refund.created", r, created=T0),
        "charge_refunded": fake.event("charge.refunded", fake.charge(sid, amount_refunded=4900), created=T0),
        "refund_updated": fake.event("refund.updated", failed, created=T1),
        "refund_failed": fake.event("refund.failed", failed, created=T1),
    }, Expected(
        access=True,
        status=Purchase.Status.COMPLETE,
        refunded=Decimal("0"),
        exactly_once=("Refund failed",),
        at_most_once=("Refund issued",),
    )


def _refund_updated_after_charge_refunded(fake, sid):
    r = fake.refund(sid, amount=4900, status="pending", created=T0)
    return {
        "refund_created": fake.event("refund.created", r, created=T0),
        "charge_refunded": fake.event("charge.refunded", fake.charge(sid, amount_refunded=4900), created=T0),
        "refund_updated": fake.event("refund.updated", {**r, "status": "succeeded"}, created=T1),
    }, Expected(
        access=False,
        status=Purchase.Status.REFUNDED,
        refunded=Decimal("49.00"),
        exactly_once=("Refund issued",),
        never=("Refund failed", "Partial refund issued"),
    )


def _partial_refund_failed_and_another_succeeded(fake, sid):
    a = fake.refund(sid, amount=1000, status="pending", created=T0)
    return {
        "a_created": fake.event("refund.created", a, created=T0),
        "a_charge": fake.event("charge.refunded", fake.charge(sid, amount_refunded=1000), created=T0),
        "a_failed": fake.event("refund.failed", {**a, "status": "failed"}, created=T1),
        # b is known only through the charge (Stripe's total after a failed: 900).
        "b_charge": fake.event("charge.refunded", fake.charge(sid, amount_refunded=900), created=T2),
    }, Expected(
        access=True,
        status=Purchase.Status.COMPLETE,
        refunded=Decimal("9.00"),
        exactly_once=("Refund failed",),
        never=("Refund issued",),
    )


REFUND_AND_DISPUTE_SCENARIOS = {
    "dispute_won": _dispute_won,
    "dispute_funds_withdrawn_reinstated": _dispute_funds,
    "dispute_lost": _dispute_lost,
    "refund_pending_then_failed": _refund_pending_then_failed,
    "refund_updated_after_charge_refunded": _refund_updated_after_charge_refunded,
    "partial_refund_failed_and_another_succeeded": _partial_refund_failed_and_another_succeeded,
}


def _orderings():
    for name, build in REFUND_AND_DISPUTE_SCENARIOS.items():
        size = len(build(_NamesOnly(), "")[0])
        for order in itertools.permutations(range(size)):
            yield pytest.param(name, order, id=f"{name}-{''.join(map(str, order))}")


class _NamesOnly:
    """Stands in for the fake Stripe while the test ids are collected."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: {}


def titles(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def assert_final_state(purchase, expected: Expected):
    purchase.refresh_from_db()
    assert purchase.status == expected.status
    assert purchase.amount_refunded == expected.refunded
    assert purchase.dispute_status == expected.dispute_status
    enrollment = Enrollment.objects.get(user=purchase.user, course=purchase.course)
    assert enrollment.is_active == expected.access
    told = titles(purchase.user)
    assert told.count("Course enrolled!") == 1
    for title in expected.exactly_once:
        assert told.count(title) == 1, (title, told)
    for title in expected.never:
        assert title not in told, (title, told)
    for title in expected.at_most_once:
        assert told.count(title) <= 1, (title, told)
    for first, second in expected.paired:
        assert told.count(first) == told.count(second), told
    assert not WebhookEvent.objects.exclude(
        status__in=[WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED]
    ).exists(), list(WebhookEvent.objects.values_list("type", "status", "error"))


@pytest.fixture
def fulfilled(fake_stripe, pending_purchase, post_event):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    completed = fake_stripe.event("checkout.session.completed", session, created=T0 - 600)
    assert post_event(completed).status_code == 200
    pending_purchase.refresh_from_db()
    return pending_purchase


@pytest.mark.parametrize(("scenario", "order"), list(_orderings()))
def test_every_ordering_of_refund_and_dispute_events_ends_in_the_same_state(
    fake_stripe, fulfilled, post_event, scenario, order
):
    events, expected = REFUND_AND_DISPUTE_SCENARIOS[scenario](fake_stripe, fulfilled.stripe_session_id)
    names = list(events)

    for index in order:
        assert post_event(events[names[index]]).status_code == 200, names[index]

    assert_final_state(fulfilled, expected)
    # Stripe redelivers any of them (the same event id): nothing changes, nobody is told twice.
    before = titles(fulfilled.user)
    for name in names:
        assert post_event(events[name]).content == b"duplicate"
    assert titles(fulfilled.user) == before


@pytest.mark.parametrize(
    ("scenario", "first"),
    [
        pytest.param(name, i, id=f"{name}-{i}")
        for name, build in REFUND_AND_DISPUTE_SCENARIOS.items()
        for i in range(len(build(_NamesOnly(), "")[0]))
    ],
)
def test_an_event_retried_days_later_after_newer_ones_never_undoes_them(
    fake_stripe, pending_purchase, post_event, scenario, first
):
    """One event is delivered before its purchase is known (500: Stripe retries);
    the checkout and every other event arrive in Stripe's order; Stripe's retry of
    the first one, with its old `created`, comes last."""
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    events, expected = REFUND_AND_DISPUTE_SCENARIOS[scenario](fake_stripe, session["id"])
    names = list(events)
    early = events[names[first]]

    assert post_event(early).status_code == 500
    assert WebhookEvent.objects.get(stripe_event_id=early["id"]).status == WebhookEvent.Status.FAILED
    post_event(fake_stripe.event("checkout.session.completed", session, created=T0 - 600))
    for name in sorted(names, key=lambda n: events[n]["created"]):
        if name != names[first]:
            assert post_event(events[name]).status_code == 200, name

    assert post_event(early).status_code == 200

    assert_final_state(pending_purchase, expected)
    assert WebhookEvent.objects.get(stripe_event_id=early["id"]).attempts == 2


# --- Checkout Sessions ---------------------------------------------------------------


@pytest.mark.parametrize("order", list(itertools.permutations(range(2))), ids=str)
@pytest.mark.parametrize(
    "paid_with", ["checkout.session.completed", "checkout.session.async_payment_succeeded"]
)
def test_a_session_expired_event_never_undoes_a_completed_purchase(
    fake_stripe, pending_purchase, post_event, order, paid_with
):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    # Stripe would not expire a paid session; a forged-looking or replayed expiry must still not win.
    expired = {**session, "status": "expired", "payment_status": "unpaid"}
    events = [
        fake_stripe.event(paid_with, session, created=T0),
        fake_stripe.event("checkout.session.expired", expired, created=T1),
    ]

    for index in order:
        assert post_event(events[index]).status_code == 200

    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.COMPLETE
    assert Enrollment.objects.get(user=pending_purchase.user).is_active
    assert titles(pending_purchase.user).count("Course enrolled!") == 1


def test_a_refund_and_a_dispute_together_hold_access_back_until_both_are_settled(
    fake_stripe, fulfilled, post_event
):
    sid = fulfilled.stripe_session_id
    d = fake_stripe.dispute(sid, created=T0)
    r = fake_stripe.refund(sid, amount=4900, status="pending", created=T0)
    post_event(fake_stripe.event("charge.dispute.created", d, created=T0))
    post_event(fake_stripe.event("refund.created", r, created=T0))
    post_event(fake_stripe.event("charge.dispute.closed", {**d, "status": "won"}, created=T1))

    assert not Enrollment.objects.get(user=fulfilled.user).is_active  # still refunded

    post_event(fake_stripe.event("refund.failed", {**r, "status": "failed"}, created=T2))

    fulfilled.refresh_from_db()
    assert (fulfilled.status, fulfilled.amount_refunded) == (Purchase.Status.COMPLETE, Decimal("0"))
    assert Enrollment.objects.get(user=fulfilled.user).is_active
