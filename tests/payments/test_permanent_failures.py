"""A signed event that can never succeed (ids of the wrong type or shape, values
of the wrong type, text the database refuses) is stored, cleaned so the
database accepts it, marked as needing staff with the reason, and answered 200:
Stripe stops retrying it. Only a transient fault (the database down, a lock
timeout) is a 5xx that Stripe retries. Run on SQLite and on PostgreSQL: NUL
bytes are refused by PostgreSQL only."""

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from enrollments.models import Enrollment
from payments.models import Purchase, Refund, WebhookEvent
from payments.services import access
from tests.payments.fake_stripe import make_event, sign

pytestmark = pytest.mark.django_db

NUL = "\x00"


def post_raw(client, event):
    body = json.dumps(event)
    return client.post(
        reverse("payments:webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body),
    )


def assert_stored_as_permanent_failure(response, event_id_prefix="evt_"):
    assert response.status_code == 200
    record = WebhookEvent.objects.get()
    assert record.stripe_event_id.startswith(event_id_prefix)
    assert record.status == WebhookEvent.Status.REJECTED
    assert record.error  # the reason, for staff
    assert record.processed_at is not None
    assert NUL not in json.dumps(record.payload, ensure_ascii=False)
    assert "\\u0000" not in json.dumps(record.payload)
    return record


def _session(fake_stripe, **metadata):
    session = fake_stripe.create_session(
        {"line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}], "metadata": metadata}
    )
    return fake_stripe.pay(session["id"])


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param({"user_id": "abc", "course_id": "1"}, id="user-id-letters"),
        pytest.param({"user_id": "1", "course_id": "abc"}, id="course-id-letters"),
        pytest.param({"user_id": str(10**30), "course_id": "1"}, id="user-id-huge-string"),
        pytest.param({"user_id": 10**30, "course_id": 1}, id="user-id-huge-number"),
        pytest.param({"user_id": {"id": 1}, "course_id": "1"}, id="user-id-dict"),
        pytest.param({"user_id": ["1"], "course_id": "1"}, id="user-id-list"),
        pytest.param({"user_id": "-1", "course_id": "1.5"}, id="ids-negative-and-fraction"),
        pytest.param({"user_id": "1" + NUL, "course_id": "1"}, id="user-id-nul"),
        pytest.param({"user_id": "1", "course_id": "999999999"}, id="course-does-not-exist"),
        pytest.param({"user_id": "1", "course_id": "1", "x" + NUL: "y" + NUL}, id="nul-in-key-and-value"),
        pytest.param({"user_id": "1", "course_id": "1", "note": "\ud800"}, id="lone-surrogate"),
    ],
)
def test_a_checkout_for_an_unknown_session_with_bad_metadata_is_stored_failed_and_answered_200(
    client, fake_stripe, student, paid_course, metadata
):
    metadata = {
        k: (str(student.pk) if v == "1" and k == "user_id" else str(paid_course.pk) if v == "1" else v)
        for k, v in metadata.items()
    }
    event = make_event("checkout.session.completed", _session(fake_stripe, **metadata))

    response = post_raw(client, event)

    assert_stored_as_permanent_failure(response)
    assert Purchase.objects.count() == 0 and Enrollment.objects.count() == 0
    assert post_raw(client, event).content == b"duplicate"  # Stripe's retry, if any, does nothing


@pytest.mark.parametrize(
    "override",
    [
        pytest.param({"id": {"id": "cs_1"}}, id="session-id-dict"),
        pytest.param({"id": 12345}, id="session-id-number"),
        pytest.param({"id": "cs_" + NUL}, id="session-id-nul"),
        pytest.param({"id": "cs_" + "x" * 300}, id="session-id-too-long"),
        pytest.param({"amount_total": "ten"}, id="amount-total-text"),
        pytest.param({"amount_total": {"value": 4900}}, id="amount-total-dict"),
        pytest.param({"payment_intent": {"id": "pi_1"}}, id="payment-intent-dict"),
        pytest.param({"payment_intent": "pi_" + NUL}, id="payment-intent-nul"),
        pytest.param({"currency": ["usd"]}, id="currency-list"),
        pytest.param({"metadata": "user 1"}, id="metadata-string"),
    ],
)
def test_a_checkout_with_values_of_the_wrong_type_is_stored_failed_and_grants_nothing(
    client, fake_stripe, pending_purchase, override
):
    fake_stripe.pay(pending_purchase.stripe_session_id)
    event = make_event(
        "checkout.session.completed", {**fake_stripe.session(pending_purchase.stripe_session_id), **override}
    )

    response = post_raw(client, event)

    assert_stored_as_permanent_failure(response)
    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.PENDING
    assert not Enrollment.objects.exists()


@pytest.fixture
def fulfilled(fake_stripe, pending_purchase, post_event):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    assert post_event(make_event("checkout.session.completed", session)).status_code == 200
    WebhookEvent.objects.all().delete()
    pending_purchase.refresh_from_db()
    return pending_purchase


@pytest.mark.parametrize(
    ("event_type", "make", "override"),
    [
        ("refund.created", "refund", {"amount": "ten"}),
        ("refund.created", "refund", {"amount": -100}),
        ("refund.created", "refund", {"amount": 10**30}),
        ("refund.created", "refund", {"id": {"id": "re_1"}}),
        ("refund.created", "refund", {"id": "re_" + NUL}),
        ("refund.created", "refund", {"status": {"s": "succeeded"}}),
        ("refund.created", "refund", {"created": "yesterday"}),
        ("refund.updated", "refund", {"payment_intent": ["pi_1"]}),
        ("charge.refunded", "charge", {"amount_refunded": "ten"}),
        ("charge.refunded", "charge", {"amount_refunded": True}),
        ("charge.refunded", "charge", {"refunds": {"data": [{"id": 5, "amount": 100}]}}),
        ("charge.refunded", "charge", {"refunds": "all of them"}),
        ("charge.dispute.created", "dispute", {"id": ["dp_1"]}),
        ("charge.dispute.created", "dispute", {"status": 7}),
        ("charge.dispute.closed", "dispute", {"amount": "all"}),
        ("charge.dispute.closed", "dispute", {"created": {"t": 1}}),
    ],
    ids=lambda value: value if isinstance(value, str) else json.dumps(value)[:40],
)
def test_refund_and_dispute_events_with_bad_values_are_stored_failed_and_change_nothing(
    client, fake_stripe, fulfilled, event_type, make, override
):
    obj = getattr(fake_stripe, make)(
        fulfilled.stripe_session_id, **({"amount": 4900} if make == "refund" else {})
    )
    if make == "charge":
        obj = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=4900)
    event = make_event(event_type, {**obj, **override})

    response = post_raw(client, event)

    assert_stored_as_permanent_failure(response)
    fulfilled.refresh_from_db()
    assert fulfilled.status == Purchase.Status.COMPLETE and fulfilled.amount_refunded == 0
    assert fulfilled.dispute_status == Purchase.DisputeStatus.NONE
    assert Enrollment.objects.get(user=fulfilled.user).is_active
    assert not Refund.objects.exists()


@pytest.mark.parametrize(
    "envelope",
    [
        pytest.param({"id": "evt_nul" + NUL}, id="event-id-nul"),
        pytest.param({"type": "charge.refunded" + NUL}, id="event-type-nul"),
        pytest.param({"created": "yesterday"}, id="event-created-text"),
        pytest.param({"created": None}, id="event-created-missing"),
    ],
)
def test_an_envelope_with_bad_values_is_stored_failed(client, fake_stripe, fulfilled, envelope):
    charge = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=4900)
    event = {**make_event("charge.refunded", charge), **envelope}

    response = post_raw(client, event)

    record = assert_stored_as_permanent_failure(response)
    assert NUL not in record.stripe_event_id and NUL not in record.type
    fulfilled.refresh_from_db()
    assert fulfilled.status == Purchase.Status.COMPLETE
    assert Enrollment.objects.get(user=fulfilled.user).is_active


def test_two_events_whose_ids_differ_only_by_a_nul_byte_are_two_records(client, fake_stripe, fulfilled):
    charge = fake_stripe.charge(fulfilled.stripe_session_id, amount_refunded=1000)
    clean = make_event("charge.refunded", charge, event_id="evt_same")
    dirty = {**clean, "id": "evt_same" + NUL}

    assert post_raw(client, dirty).status_code == 200
    assert post_raw(client, clean).status_code == 200

    assert WebhookEvent.objects.count() == 2
    assert WebhookEvent.objects.get(stripe_event_id="evt_same").status == WebhookEvent.Status.PROCESSED


@pytest.mark.parametrize(
    "fault",
    [
        OperationalError("server closed the connection unexpectedly"),
        OperationalError("canceling statement due to lock timeout"),
        InterfaceError("connection already closed"),
    ],
    ids=["database-down", "lock-timeout", "connection-closed"],
)
def test_only_a_transient_fault_is_a_5xx_and_the_retry_succeeds(
    client, fake_stripe, fulfilled, monkeypatch, fault
):
    real = access.purchase_lock_for_payment_intent
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise fault
        return real(*args, **kwargs)

    monkeypatch.setattr(access, "purchase_lock_for_payment_intent", flaky)
    refund = fake_stripe.refund(fulfilled.stripe_session_id, amount=4900)
    event = make_event("refund.created", refund)
    for module in ("payments.services.refunds", "payments.services.disputes"):
        monkeypatch.setattr(f"{module}.purchase_lock_for_payment_intent", flaky, raising=False)

    assert post_raw(client, event).status_code == 500
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.FAILED

    assert post_raw(client, event).status_code == 200
    fulfilled.refresh_from_db()
    assert fulfilled.status == Purchase.Status.REFUNDED


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_real_lock_timeout_on_postgresql_is_a_5xx_and_the_retry_succeeds(
    client, fake_stripe, fulfilled, monkeypatch
):
    """Another transaction (an admin's, a stuck worker's) holds the purchase's row lock
    longer than the webhook waits: 500, so Stripe retries; the retry goes through."""
    import threading

    from django.db import connections, transaction

    from payments.services import webhook

    monkeypatch.setattr(webhook, "LOCK_TIMEOUT_MS", 200)
    event = make_event("refund.created", fake_stripe.refund(fulfilled.stripe_session_id, amount=4900))
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Purchase.objects.select_for_update().get(pk=fulfilled.pk)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert holding.wait(10)
        response = post_raw(client, event)
    finally:
        release.set()
        holder.join()

    assert response.status_code == 500
    record = WebhookEvent.objects.get()
    assert record.status == WebhookEvent.Status.FAILED and "lock" in record.error

    assert post_raw(client, event).status_code == 200
    fulfilled.refresh_from_db()
    assert fulfilled.status == Purchase.Status.REFUNDED
