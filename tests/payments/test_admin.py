from decimal import Decimal

import pytest
from django.urls import reverse

from payments.models import Purchase, WebhookEvent
from tests.factories import CourseFactory, PurchaseFactory

pytestmark = pytest.mark.django_db

PURCHASES = reverse("admin:payments_purchase_changelist")
EVENTS = reverse("admin:payments_webhookevent_changelist")


@pytest.fixture
def purchases(instructor, other_instructor):
    mine = PurchaseFactory(course=CourseFactory(instructor=instructor, price=Decimal("49")))
    theirs = PurchaseFactory(course=CourseFactory(instructor=other_instructor, price=Decimal("20")))
    return mine, theirs


@pytest.fixture
def event(purchases):
    return WebhookEvent.objects.create(
        stripe_event_id="evt_test_1",
        type="checkout.session.completed",
        payload={"id": "evt_test_1", "data": {"object": {"id": "cs_x", "customer_email": "a@b.c"}}},
        status=WebhookEvent.Status.REJECTED,
        error="Mismatch: amount 100 (expected 4900)",
        purchase=purchases[0],
    )


def test_superuser_sees_every_purchase_and_event_read_only(client, superuser, purchases, event):
    client.force_login(superuser)
    mine, theirs = purchases

    listing = client.get(PURCHASES)
    detail = client.get(reverse("admin:payments_purchase_change", args=[mine.pk]))
    events = client.get(EVENTS)
    event_page = client.get(reverse("admin:payments_webhookevent_change", args=[event.pk]))

    assert listing.status_code == 200
    assert set(listing.context["cl"].queryset) == {mine, theirs}
    assert detail.status_code == 200 and detail.context["has_change_permission"] is False
    assert mine.stripe_session_id in detail.content.decode()
    assert events.status_code == 200 and list(events.context["cl"].queryset) == [event]
    assert "Mismatch: amount 100" in event_page.content.decode()
    assert "customer_email" in event_page.content.decode()  # the payload is shown


def test_nobody_can_add_change_or_delete_money_records(client, superuser, purchases, event):
    client.force_login(superuser)
    mine = purchases[0]

    assert client.get(reverse("admin:payments_purchase_add")).status_code == 403
    assert (
        client.post(reverse("admin:payments_purchase_delete", args=[mine.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:payments_purchase_change", args=[mine.pk]), {"status": "refunded"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:payments_webhookevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    mine.refresh_from_db()
    assert mine.status == Purchase.Status.PENDING
    assert WebhookEvent.objects.count() == 1


def test_instructor_sees_only_purchases_of_their_own_courses(client, instructor, purchases, event):
    client.force_login(instructor)
    mine, theirs = purchases

    listing = client.get(PURCHASES)

    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [mine]
    assert client.get(reverse("admin:payments_purchase_change", args=[mine.pk])).status_code == 200
    # Someone else's purchase looks missing: the admin redirects to the index with a message.
    assert client.get(reverse("admin:payments_purchase_change", args=[theirs.pk])).status_code == 302


def test_instructor_sees_no_webhook_events(client, instructor, event):
    client.force_login(instructor)

    assert client.get(EVENTS).status_code == 403
    assert client.get(reverse("admin:payments_webhookevent_change", args=[event.pk])).status_code == 403
    assert "Webhook events" not in client.get(reverse("admin:index")).content.decode()


def test_students_do_not_reach_the_admin(client, student, purchases):
    client.force_login(student)

    assert client.get(PURCHASES).status_code == 302


def test_purchases_needing_attention_can_be_filtered(client, superuser, purchases):
    mine = purchases[0]
    Purchase.objects.filter(pk=mine.pk).update(problem="Not fulfilled: amount 100")
    client.force_login(superuser)

    listing = client.get(PURCHASES, {"attention": "yes"})

    assert list(listing.context["cl"].queryset) == [mine]


@pytest.mark.parametrize("count", [1, 8])
def test_purchase_list_query_count_does_not_grow_with_rows(
    client, superuser, count, django_assert_num_queries
):
    PurchaseFactory.create_batch(count)
    client.force_login(superuser)

    # session, user, two counts (filtered, total), the page with users and courses joined,
    # the date hierarchy's range and days, the currency filter's choices
    with django_assert_num_queries(8):
        response = client.get(PURCHASES)

    assert len(response.context["cl"].result_list) == count


def test_instructors_cannot_add_change_or_delete_purchases_of_their_own_courses(
    client, instructor, purchases
):
    client.force_login(instructor)
    mine = purchases[0]

    assert client.get(reverse("admin:payments_purchase_add")).status_code == 403
    assert (
        client.post(reverse("admin:payments_purchase_delete", args=[mine.pk]), {"post": "yes"}).status_code
        == 403
    )
    detail = client.get(reverse("admin:payments_purchase_change", args=[mine.pk]))
    assert detail.status_code == 200 and detail.context["has_change_permission"] is False
    assert (
        client.post(
            reverse("admin:payments_purchase_change", args=[mine.pk]), {"status": "refunded"}
        ).status_code
        == 403
    )
    mine.refresh_from_db()
    assert mine.status == Purchase.Status.PENDING
