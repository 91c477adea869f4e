"""Coupons through Stripe promotion codes (issue 14): Checkout offers the code
field, fulfilment records what was paid and the discount (by the webhook or
the success page, a 100 % code included), refunds count what was paid, the
receipt and the instructor's revenue show the discount, and the migration
keeps every existing purchase as it was (no discount, paid = its amount)."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from enrollments.models import Enrollment
from notifications.models import Notification
from payments.models import Purchase, WebhookEvent
from teaching.selectors.revenue import course_sales_get
from tests.factories import CourseFactory, PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def success_url(session_id: str) -> str:
    return f"{reverse('payments:success')}?session_id={session_id}"


@pytest.fixture
def coupon_purchase(fake_stripe, student, paid_course):
    """A pending $49.00 purchase whose Checkout Session allows promotion codes,
    as the checkout view creates it."""
    paid_course.instructor = UserFactory(email="teacher@example.com")
    paid_course.save()
    session = fake_stripe.create_session(
        {
            "mode": "payment",
            "allow_promotion_codes": "true",
            "line_items": [{"quantity": "1", "price_data": {"currency": "usd", "unit_amount": "4900"}}],
            "metadata": {"course_id": str(paid_course.pk), "user_id": str(student.pk)},
            "success_url": "http://testserver/payments/success/?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://testserver/",
        }
    )
    return PurchaseFactory(
        user=student, course=paid_course, stripe_session_id=session["id"], checkout_url=session["url"]
    )


def pay_with_code(fake_stripe, purchase, code="SPRING20", **coupon):
    fake_stripe.promotion_code_create(code, **(coupon or {"percent_off": 20}))
    assert fake_stripe.promotion_code_apply(purchase.stripe_session_id, code.lower())
    return fake_stripe.pay(purchase.stripe_session_id)


def amounts(purchase):
    purchase.refresh_from_db()
    return (purchase.amount_subtotal, purchase.amount_discount, purchase.amount, purchase.promotion_code)


def has_access(purchase) -> bool:
    return Enrollment.objects.active().filter(user=purchase.user, course=purchase.course).exists()


# --- Checkout ---------------------------------------------------------------------------


def test_checkout_lets_the_buyer_type_a_promotion_code(client, student, paid_course, fake_stripe):
    client.force_login(student)

    client.post(reverse("payments:checkout", args=[paid_course.slug]))

    [call] = fake_stripe.api_calls("POST")
    assert call["params"]["allow_promotion_codes"] == "true"
    session = fake_stripe.sessions[Purchase.objects.get().stripe_session_id]
    assert session["allow_promotion_codes"] is True


# --- amounts recorded --------------------------------------------------------------------


def test_the_webhook_records_price_discount_paid_and_the_code_the_buyer_typed(
    fake_stripe, coupon_purchase, post_event, django_capture_on_commit_callbacks
):
    session = pay_with_code(fake_stripe, coupon_purchase)
    assert isinstance(session["discounts"][0]["promotion_code"], str)  # an id in events

    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(fake_stripe.event("checkout.session.completed", session)).status_code == 200

    assert amounts(coupon_purchase) == (Decimal("49.00"), Decimal("9.80"), Decimal("39.20"), "SPRING20")
    assert coupon_purchase.status == Purchase.Status.COMPLETE and has_access(coupon_purchase)
    # The id was turned into the code with one call to Stripe.
    [lookup] = fake_stripe.api_calls("GET")
    assert lookup["path"] == f"/v1/promotion_codes/{session['discounts'][0]['promotion_code']}"
    [receipt] = mail.outbox
    assert "Price: $49.00" in receipt.body
    assert "Discount (SPRING20): −$9.80" in receipt.body
    assert "Amount paid: $39.20" in receipt.body


def test_a_duplicate_event_asks_stripe_nothing_more(fake_stripe, coupon_purchase, post_event):
    session = pay_with_code(fake_stripe, coupon_purchase)
    event = fake_stripe.event("checkout.session.completed", session)
    post_event(event)
    post_event(fake_stripe.event("checkout.session.completed", session))  # another event, same session

    assert post_event(event).content == b"duplicate"
    assert len(fake_stripe.api_calls("GET")) == 1
    assert amounts(coupon_purchase)[1:] == (Decimal("9.80"), Decimal("39.20"), "SPRING20")


def test_when_stripe_cannot_say_the_code_its_id_is_kept_and_the_purchase_fulfilled(
    fake_stripe, coupon_purchase, post_event
):
    session = pay_with_code(fake_stripe, coupon_purchase)
    fake_stripe.fail_next(500)

    assert post_event(fake_stripe.event("checkout.session.completed", session)).status_code == 200

    promotion_id = session["discounts"][0]["promotion_code"]
    assert amounts(coupon_purchase) == (Decimal("49.00"), Decimal("9.80"), Decimal("39.20"), promotion_id)
    assert has_access(coupon_purchase)


def test_the_success_page_fulfils_with_the_code_expanded_and_shows_the_receipt(
    client, fake_stripe, coupon_purchase
):
    session = pay_with_code(fake_stripe, coupon_purchase, "TEAM10", amount_off=1000)  # webhook not yet in
    client.force_login(coupon_purchase.user)

    response = client.get(success_url(session["id"]))

    assert response.context["result"].state == "enrolled"
    [retrieve] = fake_stripe.api_calls("GET")  # the session, its code expanded: no second call
    assert retrieve["params"] == {"expand": ["discounts.promotion_code"]}
    assert amounts(coupon_purchase) == (Decimal("49.00"), Decimal("10.00"), Decimal("39.00"), "TEAM10")
    html = response.content.decode()
    assert "Your payment of $39.00 for" in html
    receipt = html[html.index('data-testid="receipt"') :]
    assert "<dt>Price</dt><dd>$49.00</dd>" in receipt
    assert '<dt>Discount <span class="receipt-code">TEAM10</span></dt><dd>−$10.00</dd>' in receipt
    assert "<dt>Paid</dt><dd>$39.00</dd>" in receipt


def test_a_receipt_without_a_code_shows_price_and_paid_only(client, fake_stripe, coupon_purchase):
    session = fake_stripe.pay(coupon_purchase.stripe_session_id)
    client.force_login(coupon_purchase.user)

    html = client.get(success_url(session["id"])).content.decode()

    assert "<dt>Price</dt><dd>$49.00</dd>" in html and "<dt>Paid</dt><dd>$49.00</dd>" in html
    assert "Discount" not in html
    assert amounts(coupon_purchase) == (Decimal("49.00"), Decimal("0.00"), Decimal("49.00"), "")


def test_a_100_percent_code_fulfils_without_a_payment(client, fake_stripe, coupon_purchase, post_event):
    session = pay_with_code(fake_stripe, coupon_purchase, "FREEBIE", percent_off=100)
    assert (session["amount_total"], session["payment_status"]) == (0, "no_payment_required")
    assert session["payment_intent"] is None

    assert post_event(fake_stripe.event("checkout.session.completed", session)).status_code == 200

    assert amounts(coupon_purchase) == (Decimal("49.00"), Decimal("49.00"), Decimal("0.00"), "FREEBIE")
    assert coupon_purchase.status == Purchase.Status.COMPLETE and coupon_purchase.payment_intent == ""
    assert has_access(coupon_purchase)
    client.force_login(coupon_purchase.user)
    html = client.get(success_url(session["id"])).content.decode()
    assert "Your promotion code covered the full price" in html and "nothing was charged" in html
    assert "<dt>Paid</dt><dd>$0.00</dd>" in html


def test_a_delayed_payment_records_the_discount_once_and_fulfils_when_it_succeeds(
    fake_stripe, coupon_purchase, post_event
):
    pay_with_code(fake_stripe, coupon_purchase)
    unpaid = fake_stripe.pay(coupon_purchase.stripe_session_id, payment_status="unpaid")
    post_event(fake_stripe.event("checkout.session.completed", unpaid))

    assert amounts(coupon_purchase)[1:] == (Decimal("9.80"), Decimal("39.20"), "SPRING20")
    assert coupon_purchase.status == Purchase.Status.PENDING and not has_access(coupon_purchase)

    paid = {**unpaid, "payment_status": "paid"}
    post_event(fake_stripe.event("checkout.session.async_payment_succeeded", paid))

    assert amounts(coupon_purchase)[1:] == (Decimal("9.80"), Decimal("39.20"), "SPRING20")
    assert coupon_purchase.status == Purchase.Status.COMPLETE and has_access(coupon_purchase)
    assert len(fake_stripe.api_calls("GET")) == 1  # the code was looked up once


@pytest.mark.parametrize(
    ("override", "expected_in_problem"),
    [
        # A discount that does not add up: Stripe says 9.80 off but charged 10.00.
        ({"amount_total": 1000}, "amount 1000 (expected 3920)"),
        # Another price before discounts than the one Checkout asked.
        ({"amount_subtotal": 2900, "amount_total": 1920}, "amount 2900 before discounts (expected 4900)"),
        ({"total_details": {"amount_discount": 6000}}, "discount 6000 is more than the price 4900"),
    ],
)
def test_discounted_amounts_that_do_not_add_up_grant_nothing(
    fake_stripe, coupon_purchase, post_event, override, expected_in_problem
):
    session = pay_with_code(fake_stripe, coupon_purchase)

    post_event(fake_stripe.event("checkout.session.completed", {**session, **override}))

    coupon_purchase.refresh_from_db()
    assert coupon_purchase.status == Purchase.Status.PENDING
    assert expected_in_problem in coupon_purchase.problem
    assert coupon_purchase.amount == Decimal("49.00") and coupon_purchase.amount_discount == 0
    assert not has_access(coupon_purchase)
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.REJECTED


def test_a_malformed_discount_entry_still_fulfils_without_a_code(fake_stripe, coupon_purchase, post_event):
    session = pay_with_code(fake_stripe, coupon_purchase)

    event = fake_stripe.event("checkout.session.completed", {**session, "discounts": [{"promotion_code": 7}]})
    assert post_event(event).status_code == 200

    assert amounts(coupon_purchase) == (Decimal("49.00"), Decimal("9.80"), Decimal("39.20"), "")
    assert has_access(coupon_purchase)


# --- refunds of a discounted purchase ------------------------------------------------------


@pytest.fixture
def discounted(fake_stripe, coupon_purchase, post_event):
    """$49.00 bought for $39.20 with SPRING20, fulfilled by the webhook."""
    session = pay_with_code(fake_stripe, coupon_purchase)
    assert post_event(fake_stripe.event("checkout.session.completed", session)).status_code == 200
    coupon_purchase.refresh_from_db()
    return coupon_purchase


def test_refunding_what_was_paid_is_a_full_refund_and_ends_access(fake_stripe, discounted, post_event):
    refund = fake_stripe.refund(discounted.stripe_session_id, amount=3920)

    assert post_event(fake_stripe.event("refund.created", refund)).status_code == 200

    discounted.refresh_from_db()
    assert discounted.status == Purchase.Status.REFUNDED
    assert discounted.amount_refunded == Decimal("39.20")
    assert not has_access(discounted)
    notice = Notification.objects.get(user=discounted.user, kind=Notification.Kind.REFUND)
    assert notice.message.startswith("You were refunded $39.20 for")
    assert "Access to the course has ended." in notice.message


def test_a_partial_refund_of_a_discounted_purchase_keeps_access(fake_stripe, discounted, post_event):
    refund = fake_stripe.refund(discounted.stripe_session_id, amount=1000)

    post_event(fake_stripe.event("refund.created", refund))

    discounted.refresh_from_db()
    assert (discounted.status, discounted.amount_refunded) == (Purchase.Status.COMPLETE, Decimal("10.00"))
    assert has_access(discounted)
    notice = Notification.objects.get(user=discounted.user, kind=Notification.Kind.REFUND)
    assert "You were refunded $10.00 of $39.20" in notice.message


def test_the_charge_total_of_what_was_paid_is_a_full_refund(fake_stripe, discounted, post_event):
    charge = fake_stripe.charge(discounted.stripe_session_id, amount_refunded=3920)
    assert charge["amount"] == 3920

    post_event(fake_stripe.event("charge.refunded", charge))

    discounted.refresh_from_db()
    assert (discounted.status, discounted.amount_refunded) == (Purchase.Status.REFUNDED, Decimal("39.20"))
    assert not has_access(discounted)


def test_the_receipt_of_a_refunded_discounted_purchase(client, fake_stripe, discounted, post_event):
    post_event(
        fake_stripe.event("refund.created", fake_stripe.refund(discounted.stripe_session_id, amount=3920))
    )
    client.force_login(discounted.user)

    html = client.get(success_url(discounted.stripe_session_id)).content.decode()

    assert "This purchase is refunded" in html
    assert '<span class="receipt-code">SPRING20</span></dt><dd>−$9.80</dd>' in html
    assert "<dt>Paid</dt><dd>$39.20</dd>" in html and "<dt>Refunded</dt><dd>−$39.20</dd>" in html


# --- the instructor's revenue ---------------------------------------------------------------


@pytest.fixture
def sales(instructor):
    """A $100 course: one sale at full price, one with $25 off (then $15 of its
    $75 refunded), one free by a 100 % code, one with $10 off refunded in
    full, and one pending with no payment."""
    course = CourseFactory(instructor=instructor, price=Decimal("100.00"), currency="usd")
    now = timezone.now()

    def sale(amount, discount, code="", refunded="0", status=Purchase.Status.COMPLETE, paid=True):
        return PurchaseFactory(
            course=course,
            amount=Decimal(amount),
            amount_discount=Decimal(discount),
            promotion_code=code,
            amount_refunded=Decimal(refunded),
            status=status,
            completed_at=now if paid else None,
        )

    sale("100.00", "0")
    sale("75.00", "25.00", "QUARTER", refunded="15.00")
    sale("0.00", "100.00", "FREEBIE")
    sale("90.00", "10.00", "TEN", refunded="90.00", status=Purchase.Status.REFUNDED)
    sale("100.00", "0", status=Purchase.Status.PENDING, paid=False)
    return course


def test_revenue_counts_what_was_paid_net_of_refunds_and_shows_discounts(sales, django_assert_num_queries):
    with django_assert_num_queries(1):
        money = course_sales_get(course=sales).main

    assert money.gross == Decimal("265.00")  # 100 + 75 + 0 + 90: what buyers paid
    assert money.refunded == Decimal("105.00")  # 15 + 90
    assert money.net == Decimal("160.00")
    assert money.discounts == Decimal("135.00")  # 25 + 100 + 10
    assert money.list_price == Decimal("400.00")  # four sales of a $100 course


def test_the_analytics_page_and_csv_show_the_discounts(client, instructor, sales):
    client.force_login(instructor)

    html = client.get(reverse("teaching:analytics", args=[sales.slug])).content.decode()
    csv = client.get(reverse("teaching:analytics_csv", args=[sales.slug])).content.decode()

    assert "USD sales at list price: $400.00, of which promotion codes took off $135.00." in html
    assert "revenue_gross,265.00" in csv and "revenue_net,160.00" in csv and "discounts,135.00" in csv


def test_the_dashboard_counts_what_was_paid(client, instructor, sales):
    client.force_login(instructor)

    html = client.get(reverse("teaching:dashboard")).content.decode()

    assert '<span class="money">$160.00</span>' in html  # all time, net of discounts and refunds


# --- the migration ---------------------------------------------------------------------------

BEFORE = [("payments", "0003_refund_dispute_state")]


@pytest.fixture
def old_schema(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_purchases_keep_their_amount_as_paid_with_no_discount(old_schema):
    OldPurchase = old_schema.get_model("payments", "Purchase")
    user, course = UserFactory(), CourseFactory(price=Decimal("49.00"))
    for n, (amount, status) in enumerate(
        [("49.00", "complete"), ("29.00", "refunded"), ("49.00", "pending")]
    ):
        OldPurchase.objects.create(
            user_id=user.pk,
            course_id=course.pk,
            amount=Decimal(amount),
            currency="usd",
            stripe_session_id=f"cs_old_{n}",
            status=status,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = Purchase.objects.order_by("stripe_session_id")
    assert [(p.amount_subtotal, p.amount_discount, p.amount, p.promotion_code) for p in rows] == [
        (Decimal("49.00"), Decimal("0.00"), Decimal("49.00"), ""),
        (Decimal("29.00"), Decimal("0.00"), Decimal("29.00"), ""),
        (Decimal("49.00"), Decimal("0.00"), Decimal("49.00"), ""),
    ]
