"""`manage.py stripe_reconcile`: for the day the webhook endpoint was
misconfigured. It asks Stripe (the tests' fake, no network) for the Checkout
Sessions, refunds and disputes of a window, lists what this site has not
applied, and applies it with --apply through the webhook's own services."""

import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from enrollments.models import Enrollment
from notifications.models import Notification
from payments.models import Dispute, Purchase, Refund, WebhookEvent
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db


def reconcile(*args):
    out = StringIO()
    call_command("stripe_reconcile", *args, stdout=out)
    return out.getvalue()


def snapshot():
    """Everything reconcile could write, as plain values."""
    return {
        "purchases": list(Purchase.objects.order_by("pk").values()),
        "refunds": list(Refund.objects.order_by("pk").values()),
        "disputes": list(Dispute.objects.order_by("pk").values()),
        "enrollments": list(Enrollment.objects.order_by("pk").values()),
        "notifications": Notification.objects.count(),
        "events": WebhookEvent.objects.count(),
    }


@pytest.fixture
def paid_not_fulfilled(fake_stripe, pending_purchase):
    """Paid in Stripe; the webhook never arrived (the endpoint was misconfigured)."""
    fake_stripe.pay(pending_purchase.stripe_session_id)
    return pending_purchase


@pytest.fixture
def fulfilled(fake_stripe, pending_purchase, post_event):
    session = fake_stripe.pay(pending_purchase.stripe_session_id)
    assert post_event(fake_stripe.event("checkout.session.completed", session)).status_code == 200
    pending_purchase.refresh_from_db()
    return pending_purchase


def test_without_apply_it_lists_a_paid_unfulfilled_session_and_changes_nothing(
    fake_stripe, paid_not_fulfilled
):
    before = snapshot()

    out = reconcile("--since", "3d")

    assert paid_not_fulfilled.stripe_session_id in out
    assert "would fulfil" in out
    assert "--apply" in out  # says how to apply
    assert snapshot() == before
    listed = fake_stripe.api_calls("GET", "/v1/checkout/sessions")
    assert listed and listed[0]["params"]["status"] == "complete"
    assert abs(int(listed[0]["params"]["created"]["gte"]) - (time.time() - 3 * 86400)) < 60


def test_apply_fulfils_it_once_and_a_second_run_finds_nothing(fake_stripe, paid_not_fulfilled, post_event):
    out = reconcile("--since", "3d", "--apply")

    assert "fulfilled" in out
    paid_not_fulfilled.refresh_from_db()
    assert paid_not_fulfilled.status == Purchase.Status.COMPLETE
    assert Enrollment.objects.get(user=paid_not_fulfilled.user).is_active
    assert Notification.objects.filter(user=paid_not_fulfilled.user, title="Course enrolled!").count() == 1

    again = reconcile("--since", "3d", "--apply")
    assert "nothing to do" in again.lower()

    # The webhook arrives after all (the endpoint was fixed): nothing is granted twice.
    session = fake_stripe.session(paid_not_fulfilled.stripe_session_id)
    assert post_event(fake_stripe.event("checkout.session.completed", session)).status_code == 200
    assert Notification.objects.filter(user=paid_not_fulfilled.user, title="Course enrolled!").count() == 1


def test_a_paid_session_whose_purchase_row_is_missing_is_rebuilt_from_metadata(
    fake_stripe, student, paid_course
):
    session = fake_stripe.create_session(
        {
            "line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}],
            "metadata": {"course_id": str(paid_course.pk), "user_id": str(student.pk)},
        }
    )
    fake_stripe.pay(session["id"])

    assert "would fulfil" in reconcile("--since", "1d")
    assert not Purchase.objects.exists()

    reconcile("--since", "1d", "--apply")

    assert Purchase.objects.get(stripe_session_id=session["id"]).status == Purchase.Status.COMPLETE
    assert Enrollment.objects.get(user=student, course=paid_course).is_active


def test_sessions_that_are_fulfilled_unpaid_or_older_than_the_window_are_left_alone(
    fake_stripe, fulfilled, student, paid_course
):
    unpaid = fake_stripe.create_session(
        {"line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}]}
    )
    PurchaseFactory(user=student, course=paid_course, stripe_session_id=unpaid["id"])
    fake_stripe.pay(unpaid["id"], payment_status="unpaid")  # a bank debit still in flight
    old = fake_stripe.create_session(
        {"line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}]}
    )
    fake_stripe.pay(old["id"])
    fake_stripe.sessions[old["id"]]["created"] = int(time.time()) - 4 * 86400
    before = snapshot()

    out = reconcile("--since", "3d", "--apply")

    assert old["id"] not in out
    assert "would fulfil" not in out and "fulfilled" not in out.replace("already fulfilled", "")
    assert snapshot()["purchases"] == before["purchases"]


def test_a_refund_and_a_dispute_never_applied_are_listed_and_applied(fake_stripe, fulfilled):
    refund = fake_stripe.refund(fulfilled.stripe_session_id, amount=1000)
    dispute = fake_stripe.dispute(fulfilled.stripe_session_id)
    before = snapshot()

    out = reconcile("--since", "12h")

    assert refund["id"] in out and dispute["id"] in out
    assert snapshot() == before

    out = reconcile("--since", "12h", "--apply")

    fulfilled.refresh_from_db()
    assert fulfilled.amount_refunded == Decimal("10.00")
    assert Refund.objects.get().stripe_refund_id == refund["id"]
    assert fulfilled.dispute_status == Purchase.DisputeStatus.OPEN
    assert Dispute.objects.get().stripe_dispute_id == dispute["id"]
    assert not Enrollment.objects.get(user=fulfilled.user).is_active
    assert "nothing to do" in reconcile("--since", "12h").lower()


def test_a_refund_applied_by_reconcile_is_not_undone_by_its_older_event_arriving_late(
    fake_stripe, fulfilled, post_event
):
    created = int(time.time()) - 3600
    refund = fake_stripe.refund(fulfilled.stripe_session_id, amount=4900, status="pending", created=created)
    fake_stripe.refund(fulfilled.stripe_session_id, amount=4900, status="failed", refund_id=refund["id"])

    reconcile("--since", "7d", "--apply")
    post_event(fake_stripe.event("refund.created", refund, created=created))

    fulfilled.refresh_from_db()
    assert (fulfilled.status, fulfilled.amount_refunded) == (Purchase.Status.COMPLETE, Decimal("0"))
    assert Refund.objects.get().status == Refund.Status.FAILED


def test_every_page_of_stripes_lists_is_read(fake_stripe, student, paid_course):
    fake_stripe.page_size = 2
    sessions = []
    for _ in range(5):
        session = fake_stripe.create_session(
            {
                "line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}],
                "metadata": {"course_id": str(paid_course.pk), "user_id": str(student.pk)},
            }
        )
        sessions.append(fake_stripe.pay(session["id"]))

    out = reconcile("--since", "3d")

    assert all(s["id"] in out for s in sessions)
    assert len(fake_stripe.api_calls("GET", "/v1/checkout/sessions")) == 3


@pytest.mark.parametrize("since", ["3", "3x", "d", "-3d", "0d", "99999d", ""])
def test_a_bad_since_is_refused(fake_stripe, since):
    with pytest.raises(CommandError):
        reconcile("--since", since)


def test_without_a_secret_key_it_says_so(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(CommandError, match="STRIPE_SECRET_KEY"):
        reconcile("--since", "3d")
