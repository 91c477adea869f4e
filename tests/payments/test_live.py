"""Through a real HTTP server: the fake Stripe's hosted page paying and sending its
signed webhook, and (on PostgreSQL) the webhook and the success page racing."""

import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.urls import reverse

from enrollments.models import Enrollment
from notifications.models import Notification
from payments.models import Purchase, WebhookEvent
from tests.factories import PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in_session(client, user) -> requests.Session:
    client.force_login(user)
    browser = requests.Session()
    browser.cookies.set(
        django_settings.SESSION_COOKIE_NAME, client.cookies[django_settings.SESSION_COOKIE_NAME].value
    )
    return browser


def test_paying_on_the_fake_checkout_page_sends_the_webhook_and_returns_to_success(
    client, live_server, fake_stripe_live, paid_course, settings
):
    settings.SITE_URL = live_server.url
    buyer = UserFactory()
    browser = logged_in_session(client, buyer)
    checkout = client.post(reverse("payments:checkout", kwargs={"slug": paid_course.slug}))
    assert checkout.status_code == 303 and checkout["Location"].startswith(fake_stripe_live.url)

    page = browser.get(checkout["Location"], timeout=10)
    assert page.status_code == 200 and "Pay" in page.text and paid_course.title in page.text
    paid = browser.post(checkout["Location"] + "/pay", allow_redirects=False, timeout=30)

    purchase = Purchase.objects.get(user=buyer)
    assert paid.status_code == 303
    assert (
        paid.headers["Location"]
        == f"{live_server.url}/payments/success/?session_id={purchase.stripe_session_id}"
    )
    [(event_id, status)] = fake_stripe_live.deliveries
    assert status == 200
    assert WebhookEvent.objects.get(stripe_event_id=event_id).status == WebhookEvent.Status.PROCESSED
    assert purchase.status == Purchase.Status.COMPLETE  # the webhook fulfilled before the redirect

    success = browser.get(paid.headers["Location"], timeout=10)
    assert success.status_code == 200 and "enrolled" in success.text
    assert len(fake_stripe_live.api_calls("GET")) == 0  # the webhook had done it; no Stripe call
    assert Notification.objects.filter(user=buyer, kind=Notification.Kind.ENROLLED).count() == 1
    assert urlsplit(success.url).path == reverse("payments:success")


@pytest.mark.postgres_only
def test_twenty_webhook_deliveries_and_five_success_pages_at_once_fulfil_exactly_once(
    client, live_server, fake_stripe, paid_course
):
    buyer = UserFactory()
    session = fake_stripe.create_session(
        {
            "line_items": [{"price_data": {"currency": "usd", "unit_amount": "4900"}}],
            "metadata": {"course_id": str(paid_course.pk), "user_id": str(buyer.pk)},
        }
    )
    purchase = PurchaseFactory(user=buyer, course=paid_course, stripe_session_id=session["id"])
    paid = fake_stripe.pay(session["id"])
    body, signature = fake_stripe.signed(fake_stripe.event("checkout.session.completed", paid))
    browser_cookie = logged_in_session(client, buyer).cookies
    webhook_url = live_server.url + reverse("payments:webhook")
    success_url = f"{live_server.url}{reverse('payments:success')}?session_id={session['id']}"
    start = threading.Barrier(25)
    # Django's test server listens with a backlog of 10; 25 simultaneous connections
    # would overflow it and be reset by the kernel before reaching Django.
    live_server.thread.httpd.socket.listen(64)

    def deliver(_):
        start.wait()
        response = requests.post(
            webhook_url,
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
            timeout=60,
        )
        return response.status_code, response.text

    def load_success(_):
        start.wait()
        response = requests.get(success_url, cookies=browser_cookie, timeout=60)
        assert "enrolled" in response.text, response.text[:500]
        return response.status_code

    with ThreadPoolExecutor(max_workers=25) as pool:
        webhooks = [pool.submit(deliver, n) for n in range(20)]
        pages = [pool.submit(load_success, n) for n in range(5)]
        webhook_statuses = [f.result() for f in webhooks]
        page_statuses = [f.result() for f in pages]

    assert all(200 <= status < 300 for status, _ in webhook_statuses), webhook_statuses
    # One delivery did the work; the other nineteen waited on the event's lock and found it done.
    assert sorted(text for _, text in webhook_statuses) == ["done"] + ["duplicate"] * 19
    assert page_statuses == [200] * 5
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.COMPLETE
    assert Purchase.objects.filter(status=Purchase.Status.COMPLETE).count() == 1
    assert Enrollment.objects.filter(user=buyer, course=paid_course, status="active").count() == 1
    assert Notification.objects.filter(user=buyer, kind=Notification.Kind.ENROLLED).count() == 1
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.PROCESSED and event.attempts == 1
