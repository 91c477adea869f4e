"""What a signed checkout.session.completed costs the database (issue 13: the
webhook's throughput is bounded by its statements per event), pinned so that a
change that adds one is seen. The guarantees stay: the event ledger row with
its status, the purchase locked before the enrollment, exactly once."""

import pytest
from django.db import connection

from enrollments.models import Enrollment
from notifications.models import EmailDelivery, EmailEvent, Notification
from payments.models import Purchase, WebhookEvent

pytestmark = pytest.mark.django_db

# Inside the test's transaction (pytest-django), so no BEGIN/COMMIT is counted and
# the event's transaction is a savepoint; in production (autocommit) the event's
# INSERT is its own statement and the work is BEGIN … COMMIT: the same count.
# The event (INSERT … ON CONFLICT DO NOTHING), then in one transaction: [PostgreSQL:
# the lock timeout], the event locked, the purchase locked with its buyer and course,
# the enrollment (INSERT in a savepoint: a concurrent grant must not abort the
# transaction), the "Course enrolled!" notification, the purchase completed, the
# receipt (its e-mail event, its delivery; production's database job queue adds
# the job's row, the tests' immediate backend none), the event marked processed.
SAVEPOINT = 2  # the event's transaction, nested in the test's
FIRST_DELIVERY = 1 + SAVEPOINT + 2 + 3 + 1 + 1 + 2 + 1
# A redelivery: the ignored INSERT, then the event locked and found done.
REDELIVERY = 1 + SAVEPOINT + 1


def lock_timeout() -> int:
    return 1 if connection.vendor == "postgresql" else 0


def test_a_paid_checkout_is_fulfilled_in_a_pinned_number_of_statements(
    fake_stripe, pending_purchase, post_event, django_assert_num_queries
):
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.pay(pending_purchase.stripe_session_id)
    )

    with django_assert_num_queries(FIRST_DELIVERY + lock_timeout()):
        assert post_event(event).status_code == 200
    with django_assert_num_queries(REDELIVERY + lock_timeout()):
        response = post_event(event)
    assert response.content == b"duplicate"

    # Nothing given up for the statements saved: the ledger, exactly once.
    record = WebhookEvent.objects.get()
    assert (record.status, record.attempts, record.purchase_id) == (
        WebhookEvent.Status.PROCESSED,
        1,
        pending_purchase.pk,
    )
    pending_purchase.refresh_from_db()
    assert pending_purchase.status == Purchase.Status.COMPLETE
    enrollment = Enrollment.objects.get(user=pending_purchase.user, course=pending_purchase.course)
    assert enrollment.purchase_id == pending_purchase.pk and enrollment.is_active
    assert (
        Notification.objects.filter(user=pending_purchase.user, kind=Notification.Kind.ENROLLED).count() == 1
    )
    assert EmailEvent.objects.filter(key=f"receipt:{pending_purchase.pk}").count() == 1
    assert EmailDelivery.objects.filter(user=pending_purchase.user).count() == 1


def test_a_rejected_event_is_stored_as_failed_for_good_in_one_statement(
    fake_stripe, pending_purchase, post_event, django_assert_num_queries
):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", {**session, "client_reference_id": "a\x00b"})

    with django_assert_num_queries(1):
        assert post_event(event).status_code == 200

    record = WebhookEvent.objects.get()
    assert (record.status, record.attempts) == (WebhookEvent.Status.REJECTED, 1)
    assert record.processed_at is not None and "NUL" in record.error
    assert not Enrollment.objects.exists()
    # Its redelivery finds it done.
    assert post_event(event).content == b"duplicate"
    assert WebhookEvent.objects.get().attempts == 1
