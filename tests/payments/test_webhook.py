import json
import re
import time
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from enrollments.models import Enrollment
from notifications.models import Notification
from payments.models import Purchase, Refund, WebhookEvent
from payments.services import fulfilment, webhook
from tests.factories import CourseFactory, PurchaseFactory

pytestmark = pytest.mark.django_db


def enrolled_notifications(user):
    return Notification.objects.filter(user=user, kind=Notification.Kind.ENROLLED)


def assert_fulfilled_once(purchase):
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.COMPLETE
    assert purchase.completed_at is not None
    enrollment = Enrollment.objects.get(user=purchase.user, course=purchase.course)
    assert enrollment.status == Enrollment.Status.ACTIVE and enrollment.purchase == purchase
    assert enrolled_notifications(purchase.user).count() == 1
    return enrollment


def assert_nothing_granted(purchase):
    assert not Enrollment.objects.filter(user=purchase.user, course=purchase.course).exists()
    assert not enrolled_notifications(purchase.user).exists()


@pytest.fixture
def fulfilled(fake_stripe, pending_purchase, post_event):
    """A purchase fulfilled by checkout.session.completed (payment_intent stored)."""
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    assert post_event(fake_stripe.event("checkout.session.completed", session)).status_code == 200
    pending_purchase.refresh_from_db()
    assert pending_purchase.payment_intent == session["payment_intent"]
    return pending_purchase


# --- Signature and body ---------------------------------------------------------------


def test_a_valid_signature_is_accepted_and_the_event_recorded(fake_stripe, post_event):
    event = fake_stripe.event("customer.created", {"id": "cus_1", "object": "customer"})

    response = post_event(event)

    assert response.status_code == 200
    record = WebhookEvent.objects.get()
    assert (record.stripe_event_id, record.type, record.payload) == (event["id"], "customer.created", event)
    assert record.status == WebhookEvent.Status.IGNORED
    assert record.received_at is not None and record.processed_at is not None


@pytest.mark.parametrize(
    "tamper",
    ["missing_header", "wrong_secret", "stale", "future_tolerance_ok_but_body_changed", "garbage_header"],
)
def test_bad_signatures_are_400_and_nothing_is_written(client, fake_stripe, pending_purchase, tamper):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", session)
    body = json.dumps(event)
    header = {
        "missing_header": None,
        "wrong_secret": fake_stripe.signed(event, secret="whsec_someone_else")[1],
        "stale": fake_stripe.signed(event, timestamp=int(time.time()) - 301)[1],
        "future_tolerance_ok_but_body_changed": fake_stripe.signed({**event, "id": "evt_other"})[1],
        "garbage_header": "t=1,v1=deadbeef",
    }[tamper]
    extra = {} if header is None else {"HTTP_STRIPE_SIGNATURE": header}

    response = client.post(reverse("payments:webhook"), data=body, content_type="application/json", **extra)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    assert_nothing_granted(pending_purchase)


def test_a_signature_inside_the_tolerance_is_accepted(fake_stripe, post_event):
    event = fake_stripe.event("customer.created", {"id": "cus_1"})
    assert post_event(event, timestamp=int(time.time()) - 290).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        "[1, 2, 3]",
        '"a string"',
        "null",
        '{"object": "event"}',
        # Signed, but not shaped like an event: the work would crash on it (a 500 and
        # three days of retries), or the id would not fit the column.
        '{"id": "evt_1", "type": "checkout.session.completed"}',
        '{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": [1]}}',
        '{"id": "evt_1", "type": "checkout.session.completed", "data": []}',
        '{"id": "evt_1", "type": ["checkout.session.completed"], "data": {"object": {}}}',
        '{"id": 5, "type": "customer.created", "data": {"object": {}}}',
        json.dumps({"id": "evt_" + "x" * 10_000, "type": "customer.created", "data": {"object": {}}}),
    ],
)
def test_signed_bodies_that_are_not_events_are_400(client, fake_stripe, body):
    from tests.payments.fake_stripe import sign

    header = sign(body)

    response = client.post(
        reverse("payments:webhook"), data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_webhook_is_csrf_exempt(fake_stripe):
    event = fake_stripe.event("customer.created", {"id": "cus_1"})
    body, header = fake_stripe.signed(event)

    response = Client(enforce_csrf_checks=True).post(
        reverse("payments:webhook"), data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 200


def test_webhook_is_post_only(client, fake_stripe):
    assert client.get(reverse("payments:webhook")).status_code == 405


def test_without_a_webhook_secret_events_are_refused(fake_stripe, post_event, settings):
    event = fake_stripe.event("customer.created", {"id": "cus_1"})
    settings.STRIPE_WEBHOOK_SECRET = ""

    assert post_event(event).status_code == 503
    assert WebhookEvent.objects.count() == 0


# --- checkout.session.* ---------------------------------------------------------------


@pytest.mark.parametrize("payment_status", ["paid", "no_payment_required"])
def test_completed_and_paid_fulfils(
    fake_stripe, pending_purchase, post_event, payment_status, django_capture_on_commit_callbacks, mailoutbox
):
    session = fake_stripe.pay(pending_purchase.stripe_session_id, payment_status=payment_status)
    event = fake_stripe.event("checkout.session.completed", session)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(event)

    assert response.status_code == 200
    assert_fulfilled_once(pending_purchase)
    assert pending_purchase.payment_intent == session["payment_intent"]
    assert pending_purchase.checkout_url == ""  # a completed session's page is not offered again
    record = WebhookEvent.objects.get()
    assert record.status == WebhookEvent.Status.PROCESSED and record.purchase == pending_purchase
    assert [m.to for m in mailoutbox] == [[pending_purchase.user.email]]
    assert "$49.00" in mailoutbox[0].body


def test_the_same_event_twice_is_done_once(
    fake_stripe, pending_purchase, post_event, django_capture_on_commit_callbacks, mailoutbox
):
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.pay(pending_purchase.stripe_session_id)
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(event)
        second = post_event(event)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"duplicate"
    assert_fulfilled_once(pending_purchase)
    assert WebhookEvent.objects.get().attempts == 1
    assert len(mailoutbox) == 1


def test_completed_then_async_succeeded_for_the_same_session_grants_once(
    fake_stripe, pending_purchase, post_event
):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)

    post_event(fake_stripe.event("checkout.session.completed", session))
    post_event(fake_stripe.event("checkout.session.async_payment_succeeded", session))

    assert_fulfilled_once(pending_purchase)
    assert WebhookEvent.objects.filter(status=WebhookEvent.Status.PROCESSED).count() == 2


def test_completed_but_unpaid_stays_pending_then_async_success_fulfils(
    fake_stripe, pending_purchase, post_event
):
    session = fake_stripe.pay(pending_purchase.stripe_session_id, payment_status="unpaid")

    assert post_event(fake_stripe.event("checkout.session.completed", session)).status_code == 200

    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.PENDING
    assert pending_purchase.payment_intent == session["payment_intent"]
    assert_nothing_granted(pending_purchase)

    paid = fake_stripe.pay(pending_purchase.stripe_session_id, payment_status="paid")
    assert post_event(fake_stripe.event("checkout.session.async_payment_succeeded", paid)).status_code == 200

    assert_fulfilled_once(pending_purchase)


def test_async_payment_failed_fails_the_purchase_and_notifies(fake_stripe, pending_purchase, post_event):
    session = fake_stripe.pay(pending_purchase.stripe_session_id, payment_status="unpaid")
    post_event(fake_stripe.event("checkout.session.completed", session))

    response = post_event(fake_stripe.event("checkout.session.async_payment_failed", session))

    assert response.status_code == 200
    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.FAILED
    assert_nothing_granted(pending_purchase)
    note = Notification.objects.get(user=pending_purchase.user)
    assert (note.kind, note.title, note.course) == ("payment", "Payment failed", pending_purchase.course)

    # A late success for a failed purchase grants nothing.
    post_event(fake_stripe.event("checkout.session.completed", fake_stripe.pay(session["id"])))
    assert_nothing_granted(pending_purchase)


def test_expired_expires_the_purchase(fake_stripe, pending_purchase, post_event):
    session = {**fake_stripe.session(pending_purchase.stripe_session_id), "status": "expired", "url": None}

    assert post_event(fake_stripe.event("checkout.session.expired", session)).status_code == 200

    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.EXPIRED
    assert pending_purchase.checkout_url == ""
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED


def test_unknown_event_types_are_ignored_with_200(fake_stripe, pending_purchase, post_event):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)

    response = post_event(fake_stripe.event("payment_intent.succeeded", {"id": session["payment_intent"]}))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.IGNORED
    assert_nothing_granted(pending_purchase)


def test_a_session_without_a_purchase_row_is_rebuilt_from_metadata(
    fake_stripe, student, paid_course, post_event
):
    # The checkout crashed between Stripe's answer and our insert.
    session = fake_stripe.create_session(
        {
            "line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}],
            "metadata": {"course_id": str(paid_course.pk), "user_id": str(student.pk)},
        }
    )
    paid = fake_stripe.pay(session["id"])

    assert post_event(fake_stripe.event("checkout.session.completed", paid)).status_code == 200

    assert_fulfilled_once(Purchase.objects.get(stripe_session_id=session["id"]))


@pytest.mark.parametrize("metadata", [{}, {"course_id": "999999", "user_id": "999999"}])
def test_a_permanent_problem_is_recorded_and_answered_200(fake_stripe, post_event, metadata, caplog):
    session = fake_stripe.create_session(
        {"line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}], "metadata": metadata}
    )
    event = fake_stripe.event("checkout.session.completed", fake_stripe.pay(session["id"]))

    response = post_event(event)

    assert response.status_code == 200
    record = WebhookEvent.objects.get()
    assert record.status == WebhookEvent.Status.REJECTED
    assert session["id"] in record.error
    assert record.processed_at is not None
    assert Purchase.objects.count() == 0 and Enrollment.objects.count() == 0
    assert "rejected" in caplog.text
    # Stripe's retry of the same event does nothing more.
    assert post_event(event).content == b"duplicate"


# --- amounts and mismatches -----------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "expected_in_problem"),
    [
        ({"amount_total": 100}, "amount 100 (expected 4900)"),
        ({"currency": "eur"}, "currency 'eur'"),
        ({"livemode": True}, "livemode True"),
        ({"metadata": {"user_id": "0", "course_id": "0"}}, "metadata user 0"),
    ],
)
def test_a_mismatch_grants_nothing_is_logged_and_flagged(
    fake_stripe, pending_purchase, post_event, override, expected_in_problem, caplog
):
    fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.session_event(
        "checkout.session.completed", pending_purchase.stripe_session_id, **override
    )

    response = post_event(event)

    assert response.status_code == 200
    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.PENDING
    assert expected_in_problem in pending_purchase.problem
    assert_nothing_granted(pending_purchase)
    record = WebhookEvent.objects.get()
    assert record.status == WebhookEvent.Status.REJECTED and expected_in_problem in record.error
    assert record.purchase == pending_purchase
    assert "does not match purchase" in caplog.text


def test_a_live_key_expects_livemode_sessions(fake_stripe, pending_purchase, post_event, settings):
    settings.STRIPE_SECRET_KEY = "sk_live_123"
    fake_stripe.pay(pending_purchase.stripe_session_id)

    post_event(fake_stripe.session_event("checkout.session.completed", pending_purchase.stripe_session_id))

    pending_purchase.refresh_from_db()
    assert "livemode False" in pending_purchase.problem
    assert_nothing_granted(pending_purchase)


@pytest.mark.parametrize(
    ("price", "currency", "amount_total", "granted"),
    [
        ("4.35", "usd", 435, True),  # Decimal: exact
        ("4.35", "usd", 434, False),  # what int(4.35 * 100) would have charged
        ("4900", "jpy", 4900, True),  # zero-decimal: yen are not divided into cents
        ("4900", "jpy", 490000, False),
    ],
)
def test_amounts_are_compared_in_exact_minor_units(
    fake_stripe, student, post_event, price, currency, amount_total, granted
):
    course = CourseFactory(price=Decimal(price), currency=currency)
    session = fake_stripe.create_session(
        {"line_items": [{"price_data": {"currency": currency, "unit_amount": str(amount_total)}}]}
    )
    purchase = PurchaseFactory(user=student, course=course, stripe_session_id=session["id"])

    post_event(fake_stripe.event("checkout.session.completed", fake_stripe.pay(session["id"])))

    if granted:
        assert_fulfilled_once(purchase)
    else:
        assert_nothing_granted(purchase)


# --- failures and retries -------------------------------------------------------------


def test_a_database_error_mid_fulfilment_rolls_back_answers_500_and_the_retry_succeeds(
    fake_stripe, pending_purchase, post_event, monkeypatch
):
    real_grant = fulfilment.enrollment_grant
    calls = []

    def flaky_grant(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            real_grant(**kwargs)  # the enrollment row is written, then the database fails
            raise OperationalError("could not serialize access")
        return real_grant(**kwargs)

    monkeypatch.setattr(fulfilment, "enrollment_grant", flaky_grant)
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.pay(pending_purchase.stripe_session_id)
    )

    first = post_event(event)

    assert first.status_code == 500
    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.PENDING and pending_purchase.payment_intent == ""
    assert_nothing_granted(pending_purchase)  # rolled back, the enrollment too
    record = WebhookEvent.objects.get()
    assert record.status == WebhookEvent.Status.FAILED
    assert record.processed_at is None and "could not serialize" in record.error

    retry = post_event(event)

    assert retry.status_code == 200
    assert_fulfilled_once(pending_purchase)
    record.refresh_from_db()
    assert record.status == WebhookEvent.Status.PROCESSED and record.attempts == 2 and record.error == ""


# --- refunds --------------------------------------------------------------------------


def test_a_full_refund_revokes_access_at_once_and_notifies(client, fake_stripe, fulfilled, post_event):
    lesson = fulfilled.course.modules.first().lessons.last()
    client.force_login(fulfilled.user)
    assert client.get(lesson.get_absolute_url()).status_code == 200

    charge = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=4900)
    assert post_event(fake_stripe.event("charge.refunded", charge)).status_code == 200

    fulfilled.refresh_from_db()
    assert fulfilled.status == Purchase.Status.REFUNDED
    assert fulfilled.amount_refunded == Decimal("49.00")
    assert Enrollment.objects.get(user=fulfilled.user).status == Enrollment.Status.REVOKED
    note = Notification.objects.get(user=fulfilled.user, kind=Notification.Kind.REFUND)
    assert note.title == "Refund issued" and "$49.00" in note.message
    assert client.get(lesson.get_absolute_url()).status_code == 403


def test_a_partial_refund_is_recorded_and_access_kept(fake_stripe, fulfilled, post_event):
    charge = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=1000)

    post_event(fake_stripe.event("charge.refunded", charge))

    fulfilled.refresh_from_db()
    assert (fulfilled.status, fulfilled.amount_refunded) == (Purchase.Status.COMPLETE, Decimal("10.00"))
    assert Enrollment.objects.get(user=fulfilled.user).status == Enrollment.Status.ACTIVE
    note = Notification.objects.get(user=fulfilled.user, kind=Notification.Kind.REFUND)
    assert note.title == "Partial refund issued" and "$10.00 of $49.00" in note.message


def test_the_same_refund_as_refund_event_and_charge_refunded_counts_once(fake_stripe, fulfilled, post_event):
    refund = fake_stripe.refund(fulfilled.stripe_session_id, amount=1000)
    charge = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=1000)

    post_event(fake_stripe.event("refund.created", refund))
    post_event(fake_stripe.event("charge.refunded", charge))
    post_event(fake_stripe.event("refund.updated", refund))
    post_event(fake_stripe.event("charge.refunded", charge))  # a second event id for the same state

    fulfilled.refresh_from_db()
    assert fulfilled.amount_refunded == Decimal("10.00")
    assert Refund.objects.get().stripe_refund_id == refund["id"]
    assert Notification.objects.filter(user=fulfilled.user, kind=Notification.Kind.REFUND).count() == 1


def test_charge_refunded_listing_its_refunds_then_refund_events_count_once(
    fake_stripe, fulfilled, post_event
):
    refund = fake_stripe.refund(fulfilled.stripe_session_id, amount=4900)
    charge = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=4900, refunds=[refund])

    post_event(fake_stripe.event("charge.refunded", charge))
    post_event(fake_stripe.event("refund.created", refund))

    fulfilled.refresh_from_db()
    assert (fulfilled.status, fulfilled.amount_refunded) == (Purchase.Status.REFUNDED, Decimal("49.00"))
    assert Notification.objects.filter(user=fulfilled.user, kind=Notification.Kind.REFUND).count() == 1


def test_two_partial_refunds_add_up_to_a_full_refund(fake_stripe, fulfilled, post_event):
    post_event(
        fake_stripe.event("refund.created", fake_stripe.refund(fulfilled.stripe_session_id, amount=900))
    )
    fulfilled.refresh_from_db()
    assert (fulfilled.status, fulfilled.amount_refunded) == (Purchase.Status.COMPLETE, Decimal("9.00"))

    post_event(
        fake_stripe.event("refund.created", fake_stripe.refund(fulfilled.stripe_session_id, amount=4000))
    )

    fulfilled.refresh_from_db()
    assert (fulfilled.status, fulfilled.amount_refunded) == (Purchase.Status.REFUNDED, Decimal("49.00"))
    assert Enrollment.objects.get(user=fulfilled.user).status == Enrollment.Status.REVOKED


def test_an_older_charge_refunded_arriving_late_does_not_lower_the_total(fake_stripe, fulfilled, post_event):
    newer = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=3000)
    older = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=1000)

    # Explicit times: two events made a second apart by the clock would swap which is older.
    now = int(time.time())
    post_event(fake_stripe.event("charge.refunded", newer, created=now))
    post_event(fake_stripe.event("charge.refunded", older, created=now - 60))

    fulfilled.refresh_from_db()
    assert fulfilled.amount_refunded == Decimal("30.00")


def test_a_failed_refund_is_flagged_and_does_not_count(fake_stripe, fulfilled, post_event):
    refund = fake_stripe.refund(fulfilled.stripe_session_id, amount=4900, status="failed")

    post_event(fake_stripe.event("refund.failed", refund))

    fulfilled.refresh_from_db()
    assert (fulfilled.status, fulfilled.amount_refunded) == (Purchase.Status.COMPLETE, Decimal("0"))
    assert refund["id"] in fulfilled.problem
    assert Enrollment.objects.get(user=fulfilled.user).status == Enrollment.Status.ACTIVE


def test_a_refund_before_its_purchase_is_known_is_retried_later(fake_stripe, pending_purchase, post_event):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    refund_event = fake_stripe.event(
        "charge.refunded", fake_stripe.charge(session["id"], amount_refunded=4900)
    )

    early = post_event(refund_event)

    assert early.status_code == 500
    record = WebhookEvent.objects.get()
    assert record.status == WebhookEvent.Status.FAILED and record.processed_at is None

    post_event(fake_stripe.event("checkout.session.completed", session))
    assert post_event(refund_event).status_code == 200

    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.REFUNDED
    assert Enrollment.objects.get(user=pending_purchase.user).status == Enrollment.Status.REVOKED


def test_a_late_refund_of_an_old_purchase_keeps_access_bought_again(fake_stripe, fulfilled, post_event):
    # Refunded, then bought again: the enrollment now rests on the new purchase.
    post_event(
        fake_stripe.event("refund.created", fake_stripe.refund(fulfilled.stripe_session_id, amount=4000))
    )
    second = PurchaseFactory(user=fulfilled.user, course=fulfilled.course)
    session = fake_stripe.create_session(
        {"line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}]}
    )
    Purchase.objects.filter(pk=second.pk).update(stripe_session_id=session["id"])
    post_event(
        fake_stripe.event("refund.created", fake_stripe.refund(fulfilled.stripe_session_id, amount=900))
    )
    assert Enrollment.objects.get(user=fulfilled.user).status == Enrollment.Status.REVOKED
    post_event(fake_stripe.event("checkout.session.completed", fake_stripe.pay(session["id"])))
    assert Enrollment.objects.get(user=fulfilled.user).purchase_id == second.pk

    late = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=4900)
    post_event(fake_stripe.event("charge.refunded", late))

    assert Enrollment.objects.get(user=fulfilled.user).status == Enrollment.Status.ACTIVE


@pytest.fixture
def paid_twice(fake_stripe, fulfilled, post_event):
    """Two tabs, two payments: the first purchase holds the enrollment, the second is flagged."""
    session = fake_stripe.create_session(
        {
            "line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}],
            "metadata": {"course_id": str(fulfilled.course_id), "user_id": str(fulfilled.user_id)},
        }
    )
    second = PurchaseFactory(user=fulfilled.user, course=fulfilled.course, stripe_session_id=session["id"])
    post_event(fake_stripe.event("checkout.session.completed", fake_stripe.pay(session["id"])))
    second.refresh_from_db()
    assert second.status == Purchase.Status.COMPLETE and "Paid twice" in second.problem
    assert Enrollment.objects.get(user=fulfilled.user).purchase == fulfilled
    return fulfilled, second


def test_refunding_the_duplicate_of_a_double_payment_keeps_access_and_says_so(
    fake_stripe, paid_twice, post_event
):
    first, second = paid_twice

    post_event(
        fake_stripe.event(
            "charge.refunded", fake_stripe.charge(second.stripe_session_id, amount_refunded=4900)
        )
    )

    second.refresh_from_db()
    assert second.status == Purchase.Status.REFUNDED
    enrollment = Enrollment.objects.get(user=first.user)
    assert (enrollment.status, enrollment.purchase) == (Enrollment.Status.ACTIVE, first)
    note = Notification.objects.get(user=first.user, kind=Notification.Kind.REFUND)
    assert "has ended" not in note.message and "keep access" in note.message


def test_refunding_the_purchase_that_holds_access_moves_it_to_the_other_payment(
    fake_stripe, paid_twice, post_event
):
    # Staff refunded the first payment of a double payment: the buyer still paid once.
    first, second = paid_twice

    post_event(
        fake_stripe.event(
            "charge.refunded", fake_stripe.charge(first.stripe_session_id, amount_refunded=4900)
        )
    )

    first.refresh_from_db()
    assert first.status == Purchase.Status.REFUNDED
    enrollment = Enrollment.objects.get(user=first.user)
    assert (enrollment.status, enrollment.purchase) == (Enrollment.Status.ACTIVE, second)
    note = Notification.objects.get(user=first.user, kind=Notification.Kind.REFUND)
    assert "keep access" in note.message

    # Refunding the second one too ends access.
    post_event(
        fake_stripe.event(
            "charge.refunded", fake_stripe.charge(second.stripe_session_id, amount_refunded=4900)
        )
    )

    assert Enrollment.objects.get(user=first.user).status == Enrollment.Status.REVOKED
    latest = Notification.objects.filter(user=first.user, kind=Notification.Kind.REFUND).latest("pk")
    assert "Access to the course has ended" in latest.message


def test_a_dispute_on_one_of_two_payments_keeps_access_on_the_other(fake_stripe, paid_twice, post_event):
    first, second = paid_twice

    post_event(fake_stripe.event("charge.dispute.created", fake_stripe.dispute(first.stripe_session_id)))

    first.refresh_from_db()
    assert first.dispute_status == Purchase.DisputeStatus.OPEN
    enrollment = Enrollment.objects.get(user=first.user)
    assert (enrollment.status, enrollment.purchase) == (Enrollment.Status.ACTIVE, second)
    assert not Notification.objects.filter(user=first.user, title="Course access suspended").exists()


# --- disputes -------------------------------------------------------------------------


def test_a_dispute_suspends_access_and_flags_the_purchase_and_winning_restores_it(
    fake_stripe, fulfilled, post_event
):
    dispute = fake_stripe.dispute(fulfilled.stripe_session_id)

    assert post_event(fake_stripe.event("charge.dispute.created", dispute)).status_code == 200

    fulfilled.refresh_from_db()
    assert fulfilled.dispute_status == Purchase.DisputeStatus.OPEN
    assert fulfilled.stripe_dispute_id == dispute["id"] and "Disputed (fraudulent)" in fulfilled.problem
    assert Enrollment.objects.get(user=fulfilled.user).status == Enrollment.Status.REVOKED
    assert Notification.objects.filter(user=fulfilled.user, title="Course access suspended").count() == 1

    post_event(fake_stripe.event("charge.dispute.closed", {**dispute, "status": "won"}))

    fulfilled.refresh_from_db()
    assert fulfilled.dispute_status == Purchase.DisputeStatus.WON
    assert Enrollment.objects.get(user=fulfilled.user).status == Enrollment.Status.ACTIVE
    # Access comes back with its own message, not a second "Course enrolled!".
    assert Notification.objects.filter(user=fulfilled.user, title="Course access restored").count() == 1
    assert Notification.objects.filter(user=fulfilled.user, title="Course enrolled!").count() == 1

    post_event(fake_stripe.event("charge.dispute.closed", {**dispute, "status": "won"}))
    assert Notification.objects.filter(user=fulfilled.user, title="Course access restored").count() == 1


def test_a_lost_dispute_keeps_access_revoked(fake_stripe, fulfilled, post_event):
    dispute = fake_stripe.dispute(fulfilled.stripe_session_id)
    post_event(fake_stripe.event("charge.dispute.created", dispute))

    post_event(fake_stripe.event("charge.dispute.closed", {**dispute, "status": "lost"}))

    fulfilled.refresh_from_db()
    assert fulfilled.dispute_status == Purchase.DisputeStatus.LOST
    assert Enrollment.objects.get(user=fulfilled.user).status == Enrollment.Status.REVOKED


def test_a_dispute_before_its_purchase_is_known_is_retried_later(fake_stripe, pending_purchase, post_event):
    fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.event(
        "charge.dispute.created", fake_stripe.dispute(pending_purchase.stripe_session_id)
    )

    assert post_event(event).status_code == 500
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.FAILED


def test_the_readme_lists_exactly_the_events_the_webhook_handles():
    from pathlib import Path

    from django.conf import settings

    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    section = readme.split("## Payments (Stripe)", 1)[1].split("\n## ", 1)[0]
    table = section.split("### What each event does", 1)[1].split("\n\n", 2)[1]
    listed = set()
    for row in table.splitlines()[2:]:
        first_cell = row.split("|")[1]
        listed.update(re.findall(r"`([a-z_]+\.[a-z_.]+)`", first_cell))

    assert listed == set(webhook.EVENT_HANDLERS)


def test_the_webhook_makes_no_network_call_and_mails_only_after_commit(
    fake_stripe, pending_purchase, post_event, django_capture_on_commit_callbacks, mailoutbox
):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    before = len(fake_stripe.api_calls())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert post_event(fake_stripe.event("checkout.session.completed", session)).status_code == 200
        assert mailoutbox == []  # the receipt waits for the commit

    assert len(fake_stripe.api_calls()) == before
    # Besides the receipt, only the page cache's second bump of the course's versions (lms/page_cache.py).
    receipts = [callback for callback in callbacks if callback.__module__ != "lms.page_cache"]
    assert len(receipts) == 1
    receipts[0]()
    assert len(mailoutbox) == 1
