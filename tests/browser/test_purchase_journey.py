"""A student buys a course through Stripe Checkout, end to end in Chromium (issue 4).

The checkout page is served by the tests' fake Stripe (tests/payments/fake_stripe.py):
"Pay" sends the signed checkout.session.completed webhook to the live server,
then redirects the browser to the success URL, as Stripe does.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from enrollments.models import Enrollment
from notifications.models import Notification
from payments.models import Purchase
from tests.factories import CourseFactory, LessonFactory, ModuleFactory
from tests.payments import fake_stripe as stripe_fakes

# The payments tests' fake Stripe, not another one: its fixtures, under their own names.
fake_stripe = stripe_fakes.fake_stripe
fake_stripe_live = stripe_fakes.fake_stripe_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paid_course(instructor):
    course = CourseFactory(
        title="Payments without tears",
        slug="payments-without-tears",
        price=Decimal("49.00"),
        currency="usd",
        instructor=instructor,
    )
    module = ModuleFactory(course=course, title="Money", order=0)
    LessonFactory(module=module, title="What a charge is", content="Free for all.", is_preview=True, order=0)
    locked = LessonFactory(
        module=module, title="Idempotency keys", content="Send the same key twice.", order=1
    )
    return course, locked


def test_student_buys_a_course_and_opens_a_locked_lesson(
    page, log_in, student, paid_course, fake_stripe_live
):
    course, locked = paid_course
    log_in(student)

    page.goto(locked.get_absolute_url())
    expect(page.get_by_role("heading", name="Enroll to open “Idempotency keys”", level=1)).to_be_visible()
    expect(page.get_by_text("Send the same key twice.")).to_have_count(0)

    page.goto(course.get_absolute_url())
    page.get_by_role("button", name="Buy for $49.00").click()

    # Stripe's hosted page (the fake one), not ours.
    expect(page).to_have_url(re.compile(rf"^{re.escape(fake_stripe_live.url)}/checkout/cs_test_\w+$"))
    expect(page.get_by_role("heading", name="Pay for Payments without tears", level=1)).to_be_visible()
    expect(page.get_by_test_id("amount")).to_have_text("4900 USD (minor units)")
    expect(page.get_by_text(student.email)).to_be_visible()
    page.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(re.compile(r"/payments/success/\?session_id=cs_test_\w+$"))
    expect(page.get_by_role("heading", name="You're enrolled", level=1)).to_be_visible()
    expect(
        page.get_by_text("Your payment of $49.00 for “Payments without tears” is complete.")
    ).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_text("1")

    page.get_by_role("link", name="Start the first lesson").click()
    expect(page.get_by_role("heading", name="What a charge is", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Lessons").get_by_role("link", name="Idempotency keys").click()
    expect(page).to_have_url(re.compile(re.escape(locked.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", name="Idempotency keys", level=1)).to_be_visible()
    expect(page.get_by_text("Send the same key twice.")).to_be_visible()

    # Reloading the bookmarked success page later grants nothing new.
    session_id = Purchase.objects.get().stripe_session_id
    page.goto(f"/payments/success/?session_id={session_id}")
    expect(page.get_by_role("heading", name="You're enrolled", level=1)).to_be_visible()

    assert [status for _event, status in fake_stripe_live.deliveries] == [200]
    purchase = Purchase.objects.get()
    assert (purchase.user, purchase.course, purchase.status) == (student, course, Purchase.Status.COMPLETE)
    assert Enrollment.objects.active().filter(user=student, course=course).count() == 1
    assert Notification.objects.filter(user=student, course=course).count() == 1
