from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import PurchaseFactory, course_with_curriculum
from tests.payments import fake_stripe as fake_stripe_module

# The fixtures live next to the fake so that other test packages can import them too.
fake_stripe = fake_stripe_module.fake_stripe
fake_stripe_live = fake_stripe_module.fake_stripe_live


@pytest.fixture(autouse=True)
def _postgres_only(request):
    if request.node.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite has no row locks (select_for_update) and serialises writers; "
            "run with DATABASE_URL=postgres://..."
        )


@pytest.fixture
def paid_course(db):
    return course_with_curriculum(modules=1, lessons_per_module=2, price=Decimal("49.00"), currency="usd")


@pytest.fixture
def post_event(client, fake_stripe):
    """Post a signed event to the webhook through the test client: post_event(event) -> response."""

    def post(event, *, secret=None, timestamp=None, header=None):
        body, signature = fake_stripe.signed(event, secret=secret, timestamp=timestamp)
        return client.post(
            reverse("payments:webhook"),
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature if header is None else header,
        )

    return post


@pytest.fixture
def pending_purchase(fake_stripe, student, paid_course):
    """A pending purchase whose Checkout Session exists in the fake Stripe (not paid yet)."""
    session = fake_stripe.create_session(
        {
            "mode": "payment",
            "line_items": [{"quantity": "1", "price_data": {"currency": "usd", "unit_amount": "4900"}}],
            "metadata": {"course_id": str(paid_course.pk), "user_id": str(student.pk)},
            "success_url": "http://testserver/payments/success/?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://testserver/",
        }
    )
    return PurchaseFactory(
        user=student, course=paid_course, stripe_session_id=session["id"], checkout_url=session["url"]
    )
