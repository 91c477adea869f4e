"""E-mail through the job queue: who gets what, once, with an unsubscribe
link that works in one click; failures retried or recorded, never doubled."""

import smtplib

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from notifications.emails import unsubscribe_token
from notifications.models import EmailCategory, EmailDelivery, EmailPreferences, Notification
from notifications.services import email_preferences_set, emails_queue, notify
from notifications.tasks import emails_send
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs():
    """Runs what has been enqueued so far: the immediate backend starts a job when
    the transaction commits, and a test's transaction never does (Django's own
    captureOnCommitCallbacks does the same, at the end of a block)."""

    def run():
        while connection.run_on_commit:
            callbacks = list(connection.run_on_commit)
            connection.run_on_commit.clear()
            for _savepoints, callback, _robust in callbacks:
                callback()

    return run


def inserts(model, rows: int) -> int:
    """How many INSERT statements bulk_create needs for `rows` rows of `model` here."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    batch = connection.ops.bulk_batch_size(fields, [None] * rows)
    return -(-rows // batch)


def announce(users, key="announcement:1", **extra):
    notify(
        users=users,
        kind=Notification.Kind.ANNOUNCEMENT,
        title="Week 3 is live",
        message="New lessons on **forms** & validation. <script>alert(1)</script>",
        course=extra.pop("course", None),
        url="/courses/x/",
        email_key=key,
        **extra,
    )


def test_an_emailed_notification_reaches_each_user_once_with_text_html_and_unsubscribe_headers(
    settings, mailoutbox, jobs
):
    settings.SITE_URL = "https://learn.example.com"
    users = UserFactory.create_batch(3)

    announce(users)
    announce(users)  # the same event again: nothing more
    assert mailoutbox == []  # nothing inside the request
    jobs()

    assert Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT).count() == 6  # on the site: both
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in users)
    message = mailoutbox[0]
    assert message.subject == "Week 3 is live"
    assert "New lessons on **forms** & validation." in message.body  # the text part: as written
    html = message.alternatives[0].content
    assert "New lessons on <strong>forms</strong> &amp; validation." in html  # the HTML part: rendered,
    assert "<script>" not in html  # and sanitised
    assert 'href="https://learn.example.com/courses/x/"' in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://learn.example.com/account/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.body and unsubscribe.strip("<>") in html
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {EmailDelivery.Status.SENT}


def test_one_click_unsubscribe_needs_no_login_no_cookie_no_csrf_token(mailoutbox, jobs):
    user = UserFactory()
    token = unsubscribe_token(user_id=user.pk, category=EmailCategory.ANNOUNCEMENTS)
    url = reverse("notifications:unsubscribe", args=[token])
    client = Client(enforce_csrf_checks=True)

    page = client.get(url)
    assert page.status_code == 200 and "Announcements from your instructors" in page.content.decode()
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert EmailPreferences.objects.get(user=user).announcements is False

    announce([user], key="announcement:2")
    jobs()
    assert mailoutbox == []  # turned off: nothing e-mailed
    assert Notification.objects.filter(user=user).count() == 1  # still on the site


@pytest.mark.parametrize("token", ["garbage", "x" * 300])
def test_a_forged_unsubscribe_link_is_a_friendly_404(client, token):
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 404


def test_a_receipt_link_cannot_unsubscribe_from_receipts(client):
    user = UserFactory()
    token = unsubscribe_token(user_id=user.pk, category=EmailCategory.RECEIPTS)
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 404


def test_preferences_page_turns_categories_off_and_receipts_stay_on(client, mailoutbox, jobs):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Receipts and payment notices (always sent" in page

    client.post(reverse("notifications:preferences"), {"replies": "on", "course_updates": "on"})

    preferences = EmailPreferences.objects.get(user=user)
    assert (preferences.replies, preferences.announcements, preferences.course_updates) == (True, False, True)
    announce([user], key="announcement:3")
    course = CourseFactory()
    emails_queue(
        key="receipt:99",
        category=EmailCategory.RECEIPTS,
        template="receipt",
        subject="Your receipt",
        context={"course_title": course.title, "amount": "$1.00", "reference": "cs_1", "url": "/"},
        recipients={user.pk: {}},
    )
    jobs()
    assert [m.subject for m in mailoutbox] == ["Your receipt"]
    assert "List-Unsubscribe" not in mailoutbox[0].extra_headers


def test_nothing_is_e_mailed_for_a_transaction_that_rolls_back(mailoutbox, jobs):
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        announce([user], key="announcement:4")
        raise RuntimeError("the write failed")
    jobs()
    assert mailoutbox == []
    assert not EmailDelivery.objects.exists()


def test_running_the_job_again_sends_nothing_twice(mailoutbox, jobs):
    users = UserFactory.create_batch(2)
    announce(users, key="announcement:5")
    jobs()
    jobs()  # the job enqueued twice
    event_id = EmailDelivery.objects.values_list("event_id", flat=True).first()

    assert emails_send.call(event_id) == 0  # a retried or duplicated job
    assert len(mailoutbox) == 2


class FlakyBackend:
    """A mail backend whose server answers `error` to the first `failures` messages."""

    failures = 1
    error: Exception = smtplib.SMTPServerDisconnected("gone")

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise FlakyBackend.error
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.parametrize(
    ("error", "status", "retried"),
    [
        (smtplib.SMTPServerDisconnected("gone"), EmailDelivery.Status.PENDING, True),
        (smtplib.SMTPResponseException(451, b"try later"), EmailDelivery.Status.PENDING, True),
        (
            smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")}),
            EmailDelivery.Status.FAILED,
            False,
        ),
    ],
)
def test_a_transient_smtp_error_is_retried_later_and_a_permanent_one_recorded(
    settings, mailoutbox, jobs, error, status, retried
):
    settings.EMAIL_BACKEND = "tests.notifications.test_emails.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.error = 1, error
    user = UserFactory()

    announce([user], key="announcement:6")
    jobs()

    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (status, 1)
    assert (delivery.next_attempt_at is not None) is retried
    assert mailoutbox == []
    if retried:  # the retry, when it is due (a worker runs the deferred job then)
        EmailDelivery.objects.update(next_attempt_at=None)
        assert emails_send.call(delivery.event_id) == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.SENT, 2)
        assert [m.to for m in mailoutbox] == [[user.email]]


def test_an_announcement_to_2000_students_takes_a_bounded_number_of_queries(
    django_assert_num_queries, mailoutbox, settings, jobs
):
    settings.EMAIL_BATCH_SIZE = 500
    users = UserFactory.create_batch(2000)
    email_preferences_set(user=users[0], announcements=False)

    # The notifications (one INSERT on PostgreSQL; SQLite takes at most 999 values a
    # statement), the e-mail event (one INSERT … ON CONFLICT DO NOTHING), who turned
    # announcements off, the deliveries (one INSERT, or SQLite's batches): not one a student.
    with django_assert_num_queries(2 + inserts(Notification, 2000) + inserts(EmailDelivery, 1999)):
        announce(users, key="announcement:7")
    assert mailoutbox == []
    jobs()

    assert Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT).count() == 2000
    assert len(mailoutbox) == 1999
    assert len({m.to[0] for m in mailoutbox}) == 1999
