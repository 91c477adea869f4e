from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/notifications/"


def test_url_is_stable():
    assert reverse("notifications:list") == URL


def test_requires_login(client):
    assert client.get(URL).status_code == 302
    assert client.post(URL, {"all": "1"}).status_code == 302


def test_lists_own_notifications_newest_first_and_shows_unread_badge(client, student):
    first = NotificationFactory(user=student, title="First")
    second = NotificationFactory(user=student, title="Second")
    NotificationFactory(title="Someone else's")
    client.force_login(student)

    response = client.get(URL)

    html = response.content.decode()
    assert list(response.context["page"].object_list) == [second, first]
    assert "Someone else" not in html
    assert 'data-testid="unread-count" aria-label="2 unread">2<' in html


def test_badge_is_on_every_page(client, student):
    NotificationFactory(user=student)
    client.force_login(student)
    for url in ("/", reverse("learning:dashboard")):
        assert 'aria-label="1 unread">1<' in client.get(url).content.decode()


def test_no_badge_when_nothing_is_unread(client, student):
    NotificationFactory(user=student, read=True)
    client.force_login(student)

    html = client.get(URL).content.decode()

    assert 'data-testid="unread-count"' not in html
    assert "0 unread" not in html


def test_times_read_just_now_then_minutes_ago(client, student):
    NotificationFactory(user=student, title="Fresh")
    older = NotificationFactory(user=student, title="Older")
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(minutes=5, seconds=30)
    )
    client.force_login(student)

    html = client.get(URL).content.decode()

    assert "just now" in html
    assert "5\xa0minutes ago" in html
    assert "0\xa0minutes ago" not in html


def test_mark_one_and_all_read(client, student):
    one, *_others = [NotificationFactory(user=student) for _ in range(3)]
    client.force_login(student)

    response = client.post(URL, {"notification": one.pk})
    assert response.status_code == 302
    assert Notification.objects.filter(user=student, read=False).count() == 2
    one.refresh_from_db()
    assert one.read

    client.post(URL, {"all": "1"})
    assert not Notification.objects.filter(user=student, read=False).exists()
    assert 'data-testid="unread-count"' not in client.get(URL).content.decode()


def test_cannot_change_another_users_notification(client, student):
    theirs = NotificationFactory(user=UserFactory())
    client.force_login(student)
    client.post(URL, {"notification": theirs.pk})
    client.post(URL, {"all": "1"})
    theirs.refresh_from_db()
    assert theirs.read is False


def test_bad_input_is_a_400_and_changes_nothing(client, student):
    NotificationFactory(user=student)
    client.force_login(student)
    assert client.post(URL, {"notification": "not-a-number"}).status_code == 400
    assert Notification.objects.filter(read=False).count() == 1


def test_mark_read_requires_csrf(student):
    note = NotificationFactory(user=student)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(student)
    assert csrf_client.post(URL, {"all": "1"}).status_code == 403
    note.refresh_from_db()
    assert note.read is False


def test_paginated(client, student):
    for _ in range(25):
        NotificationFactory(user=student)
    client.force_login(student)
    assert len(client.get(URL).context["page"].object_list) == 20
    assert len(client.get(URL, {"page": 2}).context["page"].object_list) == 5
    assert client.get(URL, {"page": 99}).status_code == 200


def test_pages_without_the_badge_do_not_count_notifications(client, django_assert_num_queries, student):
    # The unread count is lazy: /healthz touches no database at all.
    client.force_login(student)
    with django_assert_num_queries(0):
        assert client.get("/healthz").content == b"ok"


# session, user, the paginator's COUNT, the unread badge, the page of notifications with courses.
NOTIFICATIONS_QUERIES = 5


@pytest.mark.parametrize("count", [1, 20])
def test_notifications_query_count_is_constant(client, django_assert_num_queries, student, count):
    from tests.factories import CourseFactory

    for _ in range(count):
        NotificationFactory(user=student, course=CourseFactory())
    client.force_login(student)
    with django_assert_num_queries(NOTIFICATIONS_QUERIES):
        response = client.get(URL)
    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize(
    "data",
    [{}, {"all": "1", "notification": "1"}, {"notification": ""}, {"notification": "\x00"}],
    ids=["neither", "both", "empty", "nul"],
)
def test_ambiguous_or_empty_posts_are_the_friendly_400_and_change_nothing(client, student, data):
    note = NotificationFactory(user=student)
    if "notification" in data and data["notification"] == "1":
        data = {**data, "notification": str(note.pk)}
    client.force_login(student)
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "didn’t make sense" in response.content.decode()
    note.refresh_from_db()
    assert note.read is False
    assert Notification.objects.filter(user=student, read=False).count() == 1


def test_older_notifications_are_on_the_next_page(client, student):
    for i in range(21):
        NotificationFactory(user=student, title=f"Note {i}")
    client.force_login(student)
    url = reverse("notifications:list")

    first = client.get(url).content.decode()
    assert '<a rel="next" href="?page=2">Older →</a>' in first
    assert '<a rel="prev" href="?page=1">← Newer</a>' in client.get(url, {"page": "2"}).content.decode()
