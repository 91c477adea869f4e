"""What the webhook's cheaper path (issue 13) must not change: the event's work
is done from the copy the ledger stored, and a purchase fulfilled from a lean
read of its buyer and course still tells the buyer everything, in the pinned
number of statements (tests/payments/test_webhook_statements.py)."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from enrollments.models import Enrollment
from notifications.models import Notification
from payments.models import Purchase, WebhookEvent
from payments.services import fulfilment
from payments.services.fulfilment import FulfilOutcome, purchase_fulfil, purchase_fulfil_in_transaction

pytestmark = pytest.mark.django_db


def test_the_receipt_and_the_notice_name_the_course_when_the_webhook_fulfils(
    fake_stripe, pending_purchase, post_event, django_capture_on_commit_callbacks, mailoutbox
):
    course = pending_purchase.course
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.pay(pending_purchase.stripe_session_id)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(event).status_code == 200

    [receipt] = mailoutbox
    assert receipt.to == [pending_purchase.user.email]
    assert receipt.subject == f"Your receipt: {course.title}"
    assert f"“{course.title}”" in receipt.body and "$49.00" in receipt.body
    assert reverse("courses:detail", kwargs={"slug": course.slug}) in receipt.body
    assert pending_purchase.stripe_session_id in receipt.body
    notice = Notification.objects.get(user=pending_purchase.user, kind=Notification.Kind.ENROLLED)
    assert course.title in notice.message and notice.course == course
    assert WebhookEvent.objects.get().purchase == pending_purchase


def test_a_lean_fulfilment_reads_what_it_skipped_only_when_asked(fake_stripe, pending_purchase):
    """The webhook's lean purchase is a real one: a column it did not load is
    read from the database when something asks for it, never made up."""
    session = fake_stripe.pay(pending_purchase.stripe_session_id)

    result = purchase_fulfil_in_transaction(session=session, lean=True)

    assert result.outcome == FulfilOutcome.FULFILLED
    assert result.purchase.course.title == pending_purchase.course.title
    assert result.purchase.course.price == pending_purchase.course.price  # loaded on demand
    assert result.purchase.user.email == pending_purchase.user.email  # loaded on demand
    # The success page's call still gets the whole course and buyer.
    again = purchase_fulfil(session=session)
    assert again.outcome == FulfilOutcome.ALREADY_FULFILLED
    assert not again.purchase.course.get_deferred_fields() and not again.purchase.user.get_deferred_fields()


def test_a_redelivery_does_the_work_from_the_stored_copy(
    fake_stripe, pending_purchase, post_event, monkeypatch
):
    """The first delivery stores the event and fails midway (a transient fault);
    the retry is processed from what the ledger stored, whatever its body."""
    real_grant = fulfilment.enrollment_grant
    calls = []

    def flaky_grant(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("could not serialize access")
        return real_grant(**kwargs)

    monkeypatch.setattr(fulfilment, "enrollment_grant", flaky_grant)
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", session)
    assert post_event(event).status_code == 500

    # Same event id, another body (Stripe never does this; the ledger decides).
    other = {**event, "data": {"object": {**session, "payment_intent": "pi_not_the_stored_one"}}}
    assert post_event(other).status_code == 200

    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.COMPLETE
    assert pending_purchase.payment_intent == session["payment_intent"]
    assert Enrollment.objects.filter(user=pending_purchase.user, course=pending_purchase.course).count() == 1
    record = WebhookEvent.objects.get()
    assert record.payload == event
    assert (record.status, record.attempts) == (WebhookEvent.Status.PROCESSED, 2)
