from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from lms.money import AmountNotRepresentable, format_money, from_minor_units, to_minor_units
from tests.factories import CourseFactory


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("4.35", "usd", 435),  # int(4.35 * 100) == 434: the float bug this guards against
        ("0.29", "usd", 29),  # int(0.29 * 100) == 28
        ("1.15", "eur", 115),
        ("49.00", "usd", 4900),
        ("99999999.99", "usd", 9999999999),
        ("4900", "jpy", 4900),  # zero-decimal
        ("4900.00", "krw", 4900),
        ("12.34", "kwd", 12340),  # three-decimal: the last digit is 0, as Stripe requires
    ],
)
def test_minor_units_are_exact(amount, currency, minor):
    assert to_minor_units(Decimal(amount), currency) == minor
    assert from_minor_units(minor, currency) == Decimal(amount)


def test_a_fraction_of_a_yen_is_refused_rather_than_rounded():
    with pytest.raises(AmountNotRepresentable):
        to_minor_units(Decimal("100.50"), "jpy")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("49", "usd", "$49.00"),
        ("1299.5", "usd", "$1,299.50"),
        ("12.5", "eur", "€12.50"),
        ("4900", "jpy", "¥4,900"),
        ("30", "chf", "CHF 30.00"),
        ("30", "gbp", "£30.00"),
    ],
)
def test_format_money(amount, currency, text):
    assert format_money(Decimal(amount), currency) == text


def render_buy_button(course, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("payments/includes/buy_button.html", {"course": course}, request=request)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("price", "currency", "label"),
    [
        ("49.00", "usd", "Buy for $49.00"),
        ("19.90", "eur", "Buy for €19.90"),
        ("4900", "jpy", "Buy for ¥4,900"),
    ],
)
def test_buy_button_posts_to_checkout_with_csrf(student, settings, price, currency, label):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    course = CourseFactory(price=Decimal(price), currency=currency)

    html = render_buy_button(course, student)

    assert f'action="{reverse("payments:checkout", kwargs={"slug": course.slug})}"' in html
    assert 'method="post"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert label in html
    assert "Not on sale yet" not in html


@pytest.mark.django_db
def test_buy_button_without_a_secret_key_says_not_on_sale_yet(student, settings):
    settings.STRIPE_SECRET_KEY = ""
    course = CourseFactory(price=Decimal("49"))

    html = render_buy_button(course, student)

    assert "Not on sale yet" in html
    assert "Payments are not configured" not in html  # staff only: test_enrolling_path.py
    assert "<form" not in html and "Buy for" not in html


@pytest.mark.django_db
def test_course_page_shows_the_buy_button_to_a_logged_in_student(client, student, paid_course, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    client.force_login(student)

    html = client.get(paid_course.get_absolute_url()).content.decode()

    assert "Buy for $49.00" in html
    assert reverse("payments:checkout", kwargs={"slug": paid_course.slug}) in html


@pytest.mark.django_db
def test_course_page_without_a_secret_key_says_not_on_sale_yet(client, student, paid_course, settings):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(student)

    response = client.get(paid_course.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Not on sale yet" in html
    assert "Buy for" not in html
    assert reverse("payments:checkout", kwargs={"slug": paid_course.slug}) not in html
