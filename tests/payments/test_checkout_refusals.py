"""Checkout refuses, before Stripe is called or anything is written, a course
its buyer teaches and a course closed to new students (issue 12): the rule is
enrollments.policies.enrollment_refusal, the one the course page and free
enrollment ask."""

from decimal import Decimal

import pytest
from django.urls import reverse

from enrollments.models import Enrollment
from payments.models import Purchase
from payments.services.checkout import CheckoutRefused, checkout_start
from tests.enrollments.test_course_status import CLOSED, closed_course
from tests.factories import UserFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


def test_an_instructor_cannot_buy_their_own_course(client, instructor, fake_stripe):
    course = course_with_curriculum(instructor=instructor, price=Decimal("49.00"))
    client.force_login(instructor)

    page = client.get(course.get_absolute_url()).content.decode()
    assert reverse("payments:checkout", args=[course.slug]) not in page

    response = client.post(reverse("payments:checkout", args=[course.slug]), follow=True)

    assert "You teach this course, so you cannot enroll in it or buy it. " in response.content.decode()
    assert not Purchase.objects.exists() and not Enrollment.objects.exists()
    assert fake_stripe.api_calls("POST") == []
    with pytest.raises(CheckoutRefused):
        checkout_start(user=instructor, course=course, site_url="http://testserver")
    assert not Purchase.objects.exists()


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_course_cannot_be_bought(client, superuser, fake_stripe, status):
    course, _ = closed_course(status, price=Decimal("49.00"))
    client.force_login(UserFactory())
    assert client.post(reverse("payments:checkout", args=[course.slug])).status_code == 404

    client.force_login(superuser)
    response = client.post(reverse("payments:checkout", args=[course.slug]), follow=True)

    assert "This course is closed to new students" in response.content.decode()
    assert not Purchase.objects.exists()
    assert fake_stripe.api_calls("POST") == []
