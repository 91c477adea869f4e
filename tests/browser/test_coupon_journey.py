"""A buyer applies a promotion code on Stripe Checkout and the receipt shows
the discount (issue 14), at 1280 and 390 px, in Chromium.

The Checkout page is the tests' fake Stripe (tests/payments/fake_stripe.py and
fake_stripe_promotions.py): its promotion-code field changes the total the way
Stripe's does; "Pay" sends the signed checkout.session.completed webhook to the
live server, then redirects the browser to the success page (the receipt)."""

import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from payments.models import Purchase
from tests.browser.layout import settled_widths
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.factories import CourseFactory, LessonFactory, ModuleFactory
from tests.payments import fake_stripe as stripe_fakes

fake_stripe = stripe_fakes.fake_stripe
fake_stripe_live = stripe_fakes.fake_stripe_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


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
    LessonFactory(module=module, title="What a charge is", is_preview=True, order=0)
    LessonFactory(module=module, title="Idempotency keys", content="Send the same key twice.", order=1)
    return course


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_a_buyer_applies_a_promotion_code_and_the_receipt_shows_the_discount(
    page, log_in, student, paid_course, fake_stripe_live, viewport
):
    page.set_viewport_size(viewport)
    fake_stripe_live.promotion_code_create("SPRING20", percent_off=20)
    log_in(student)

    page.goto(paid_course.get_absolute_url())
    page.get_by_role("button", name="Buy for $49.00").first.click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(fake_stripe_live.url)}/checkout/cs_test_\w+$"))
    expect(page.get_by_test_id("amount")).to_have_text("4900 USD (minor units)")
    # A code that does not exist changes nothing.
    page.get_by_label("Promotion code").fill("WINTER99")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_have_text("This code is not valid.")
    expect(page.get_by_test_id("amount")).to_have_text("4900 USD (minor units)")
    # Codes are matched whatever their case, as on Stripe.
    page.get_by_label("Promotion code").fill("spring20")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("discount")).to_have_text("SPRING20 applied: −980 USD")
    expect(page.get_by_test_id("amount")).to_have_text("3920 USD (minor units)")
    page.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(re.compile(r"/payments/success/\?session_id=cs_test_\w+$"))
    expect(page.get_by_role("heading", name="You're enrolled", level=1)).to_be_visible()
    expect(
        page.get_by_text("Your payment of $39.20 for “Payments without tears” is complete.")
    ).to_be_visible()
    receipt = page.get_by_test_id("receipt")
    expect(receipt.locator("dt")).to_have_text(["Price", "Discount SPRING20", "Paid"])
    expect(receipt.locator("dd")).to_have_text(["$49.00", "−$9.80", "$39.20"])
    expect(receipt).to_be_in_viewport()

    scroll_width, inner_width = settled_widths(page)
    assert scroll_width <= inner_width, f"the receipt scrolls sideways: {scroll_width}px > {inner_width}px"
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()

    assert [status for _event, status in fake_stripe_live.deliveries] == [200]
    purchase = Purchase.objects.get()
    assert (purchase.status, purchase.amount, purchase.amount_discount, purchase.promotion_code) == (
        Purchase.Status.COMPLETE,
        Decimal("39.20"),
        Decimal("9.80"),
        "SPRING20",
    )

    page.get_by_role("link", name="Start the first lesson").click()
    page.get_by_role("navigation", name="Lessons").get_by_role("link", name="Idempotency keys").click()
    expect(page.get_by_text("Send the same key twice.")).to_be_visible()
