from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import Course
from enrollments.models import Enrollment
from payments.models import Purchase
from payments.services import checkout as services
from tests.factories import CourseFactory, EnrollmentFactory, PurchaseFactory

pytestmark = pytest.mark.django_db


def checkout_url(course) -> str:
    return reverse("payments:checkout", kwargs={"slug": course.slug})


def test_creates_a_checkout_session_records_a_pending_purchase_and_redirects_303(
    client, student, paid_course, fake_stripe
):
    paid_course.subtitle = "Ship it"
    paid_course.thumbnail_url = "https://example.com/cover.png"
    paid_course.save()
    client.force_login(student)

    response = client.post(checkout_url(paid_course))

    purchase = Purchase.objects.get()
    session = fake_stripe.sessions[purchase.stripe_session_id]
    assert response.status_code == 303
    assert response["Location"] == session["url"]
    assert (purchase.user, purchase.course, purchase.status) == (student, paid_course, "pending")
    assert (purchase.amount, purchase.currency) == (Decimal("49.00"), "usd")
    assert purchase.checkout_url == session["url"] and purchase.expires_at is not None

    [call] = fake_stripe.api_calls("POST")
    params = call["params"]
    assert params["mode"] == "payment"
    [item] = params["line_items"]
    assert item["quantity"] == "1"
    assert item["price_data"] == {
        "currency": "usd",
        "unit_amount": "4900",
        "product_data": {
            "name": paid_course.title,
            "description": "Ship it",
            "images": ["https://example.com/cover.png"],
        },
    }
    assert params["metadata"] == {"course_id": str(paid_course.pk), "user_id": str(student.pk)}
    assert params["payment_intent_data"]["metadata"] == params["metadata"]
    assert params["client_reference_id"] == str(student.pk)
    assert params["customer_email"] == student.email
    assert params["success_url"] == "http://testserver/payments/success/?session_id={CHECKOUT_SESSION_ID}"
    assert params["cancel_url"] == "http://testserver" + paid_course.get_absolute_url()
    assert call["headers"]["Idempotency-Key"].startswith("doctrina-checkout-")


def test_site_url_setting_is_used_for_return_urls(client, student, paid_course, fake_stripe, settings):
    settings.SITE_URL = "https://learn.example.com"
    client.force_login(student)

    client.post(checkout_url(paid_course))

    params = fake_stripe.api_calls("POST")[0]["params"]
    assert params["success_url"].startswith("https://learn.example.com/payments/success/?session_id=")
    assert params["cancel_url"] == "https://learn.example.com" + paid_course.get_absolute_url()


@pytest.mark.parametrize(
    ("price", "currency", "unit_amount"),
    [("4.35", "usd", "435"), ("19.99", "eur", "1999"), ("4900", "jpy", "4900"), ("0.50", "gbp", "50")],
)
def test_unit_amount_is_exact_in_minor_units(client, student, fake_stripe, price, currency, unit_amount):
    course = CourseFactory(price=Decimal(price), currency=currency)
    client.force_login(student)

    client.post(checkout_url(course))

    params = fake_stripe.api_calls("POST")[0]["params"]
    assert params["line_items"][0]["price_data"]["unit_amount"] == unit_amount
    assert params["line_items"][0]["price_data"]["currency"] == currency
    assert Purchase.objects.get().amount == Decimal(price)


def test_double_click_makes_one_session_and_one_purchase(client, student, paid_course, fake_stripe):
    client.force_login(student)

    first = client.post(checkout_url(paid_course))
    second = client.post(checkout_url(paid_course))

    assert first["Location"] == second["Location"]
    assert Purchase.objects.count() == 1
    assert len(fake_stripe.sessions) == 1


def test_two_racing_clicks_share_one_session_and_one_purchase(student, paid_course, fake_stripe, monkeypatch):
    # The second click arrives while the first is still waiting for Stripe: neither
    # has recorded its purchase, so both send the same idempotency key.
    real_create = services.checkout_session_create
    urls = []

    def create_with_a_second_click_in_flight(**kwargs):
        session = real_create(**kwargs)
        if len(urls) == 0:
            urls.append(None)
            urls.append(services.checkout_start(user=student, course=paid_course, site_url="http://x").url)
        return session

    monkeypatch.setattr(services, "checkout_session_create", create_with_a_second_click_in_flight)

    first = services.checkout_start(user=student, course=paid_course, site_url="http://x")

    keys = {call["headers"]["Idempotency-Key"] for call in fake_stripe.api_calls("POST")}
    assert len(fake_stripe.api_calls("POST")) == 2 and len(keys) == 1
    assert len(fake_stripe.sessions) == 1
    assert Purchase.objects.count() == 1
    assert first.url == urls[1] == Purchase.objects.get().checkout_url


def test_an_expired_checkout_starts_a_new_session(client, student, paid_course, fake_stripe):
    client.force_login(student)
    client.post(checkout_url(paid_course))
    Purchase.objects.update(status=Purchase.Status.EXPIRED, checkout_url="")

    response = client.post(checkout_url(paid_course))

    assert Purchase.objects.count() == 2
    assert len(fake_stripe.sessions) == 2
    assert response["Location"] == Purchase.objects.get(status="pending").checkout_url


def test_a_delayed_payment_in_progress_does_not_start_a_second_one(client, student, paid_course, fake_stripe):
    PurchaseFactory(user=student, course=paid_course, payment_intent="pi_processing", checkout_url="")
    client.force_login(student)

    response = client.post(checkout_url(paid_course), follow=True)

    assert response.redirect_chain[0] == (paid_course.get_absolute_url(), 302)
    assert "being processed" in response.content.decode()
    assert fake_stripe.api_calls() == []


def test_anonymous_is_sent_to_log_in_and_back_to_the_course(client, paid_course, fake_stripe):
    response = client.post(checkout_url(paid_course))

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("account_login")
    assert parse_qs(location.query)["next"] == [paid_course.get_absolute_url()]
    assert Purchase.objects.count() == 0 and fake_stripe.api_calls() == []


def test_get_is_not_allowed(client, student, paid_course, fake_stripe):
    client.force_login(student)
    assert client.get(checkout_url(paid_course)).status_code == 405
    assert fake_stripe.api_calls() == []


def test_csrf_is_enforced(student, paid_course, fake_stripe):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(student)

    assert csrf_client.post(checkout_url(paid_course)).status_code == 403
    assert Purchase.objects.count() == 0 and fake_stripe.api_calls() == []


def test_draft_course_is_404(client, student, fake_stripe):
    course = CourseFactory(price=Decimal("49"), status=Course.Status.DRAFT)
    client.force_login(student)

    assert client.post(checkout_url(course)).status_code == 404
    assert fake_stripe.api_calls() == []


def test_free_course_redirects_to_the_course_page(client, student, fake_stripe):
    course = CourseFactory(price=Decimal("0"))
    client.force_login(student)

    response = client.post(checkout_url(course))

    assert response.status_code == 302 and response["Location"] == course.get_absolute_url()
    assert Purchase.objects.count() == 0 and fake_stripe.api_calls() == []


def test_already_enrolled_goes_back_with_a_message_and_no_stripe_call(
    client, student, paid_course, fake_stripe
):
    EnrollmentFactory(user=student, course=paid_course)
    client.force_login(student)

    response = client.post(checkout_url(paid_course), follow=True)

    assert response.redirect_chain == [(paid_course.get_absolute_url(), 302)]
    assert "already enrolled" in response.content.decode()
    assert fake_stripe.api_calls() == [] and Purchase.objects.count() == 0


def test_a_revoked_enrollment_may_buy_again(client, student, paid_course, fake_stripe):
    EnrollmentFactory(user=student, course=paid_course, status=Enrollment.Status.REVOKED)
    client.force_login(student)

    assert client.post(checkout_url(paid_course)).status_code == 303
    assert Purchase.objects.count() == 1


def test_without_a_secret_key_checkout_answers_503(client, student, paid_course, settings):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(student)

    response = client.post(checkout_url(paid_course))

    assert response.status_code == 503
    assert "Not on sale yet" in response.content.decode()
    assert Purchase.objects.count() == 0


@pytest.mark.parametrize("status", [500, 402, 401])
def test_a_stripe_error_goes_back_to_the_course_with_a_message(
    client, student, paid_course, fake_stripe, status, caplog
):
    fake_stripe.fail_next(status)
    client.force_login(student)

    response = client.post(checkout_url(paid_course), follow=True)

    assert response.redirect_chain == [(paid_course.get_absolute_url(), 302)]
    assert "could not reach our payment provider" in response.content.decode()
    assert Purchase.objects.count() == 0
    assert "Stripe Checkout Session" in caplog.text


def test_a_stripe_timeout_goes_back_to_the_course_with_a_message(
    client, student, paid_course, fake_stripe, settings
):
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    fake_stripe.delay_seconds = 1.5
    client.force_login(student)

    response = client.post(checkout_url(paid_course), follow=True)

    assert response.redirect_chain == [(paid_course.get_absolute_url(), 302)]
    assert "Nothing was charged" in response.content.decode()
    assert Purchase.objects.count() == 0


def test_a_price_with_more_decimals_than_its_currency_goes_back_with_a_message_not_a_500(
    client, student, fake_stripe, caplog
):
    # 100.50 yen cannot be charged (the yen has no minor unit): rounding would charge
    # a different price than the page shows, so nothing is sent to Stripe.
    course = CourseFactory(price=Decimal("100.50"), currency="jpy")
    client.force_login(student)

    response = client.post(checkout_url(course), follow=True)

    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    assert "cannot be bought at the moment" in response.content.decode()
    assert fake_stripe.api_calls() == [] and Purchase.objects.count() == 0
    assert "100.50 jpy" in caplog.text


def test_a_delayed_payment_behind_a_newer_open_checkout_still_refuses_a_second_payment(
    client, student, paid_course, fake_stripe
):
    # The buyer paid checkout A by bank debit (processing) after a second click had
    # opened checkout B: B must not be handed out, or they pay twice.
    from datetime import timedelta

    from django.utils import timezone

    processing = PurchaseFactory(
        user=student, course=paid_course, payment_intent="pi_processing", checkout_url=""
    )
    newer = PurchaseFactory(
        user=student,
        course=paid_course,
        checkout_url="https://checkout.stripe.test/b",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    Purchase.objects.filter(pk=processing.pk).update(created_at=newer.created_at - timedelta(minutes=30))
    client.force_login(student)

    response = client.post(checkout_url(paid_course), follow=True)

    assert response.redirect_chain == [(paid_course.get_absolute_url(), 302)]
    assert "being processed" in response.content.decode()
    assert fake_stripe.api_calls() == []
