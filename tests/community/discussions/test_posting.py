"""Asking and replying: what is stored and shown, Markdown sanitised, a double
submit posting once, who is told (once each, never the writer), and the rate limit."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from community.discussions.models import Question, Reply
from enrollments.services import enrollment_revoke
from notifications.models import EmailDelivery, EmailEvent, Notification
from tests.community.discussions.conftest import (
    ask,
    enrolled,
    question_url,
    questions_url,
    reply,
    reply_to,
    run_jobs,
)

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def told(kind) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))


# --- asking and replying -------------------------------------------------------------------------


def test_a_student_asks_and_sees_their_question_with_its_markdown(client, lesson, asker):
    client.force_login(asker)
    response = ask(client, lesson, title="  How do   lifetimes work? ", body="I *tried* `'a`.")

    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == question_url(question)
    assert (question.title, question.author, question.lesson) == ("How do lifetimes work?", asker, lesson)
    page = client.get(response["Location"]).content.decode()
    assert "<em>tried</em>" in page and "<code>'a</code>" in page
    assert "Grace H." in page and asker.email not in page


def test_replies_show_in_order_and_the_instructors_is_marked(client, course, question, asker):
    client.force_login(asker)
    reply(client, question, body="First, from me.")
    client.force_login(course.instructor)
    reply(client, question, body="Second, from the instructor.")

    page = client.get(question_url(question)).content.decode()
    assert page.index("First, from me.") < page.index("Second, from the instructor.")
    instructor_reply = Reply.objects.get(author=course.instructor)
    article = page[page.index(f'id="reply-{instructor_reply.pk}"') - 200 :]
    assert (
        "by-instructor" in article[:300]
        and 'Ada Lovelace</strong> <span class="role-mark">Instructor' in article
    )
    assert page.count('class="role-mark">Instructor') == 1


@pytest.mark.parametrize(
    ("title", "body", "error"),
    [
        ("", "Body", "Give your question a title."),
        ("Title", "   ", "Say a little more about your question."),
        ("x" * 201, "Body", "at most 200 characters"),
        ("Title", "x" * 10_001, "at most 10000 characters"),
    ],
)
def test_an_empty_or_overlong_question_comes_back_with_its_text(client, lesson, asker, title, body, error):
    client.force_login(asker)
    response = ask(client, lesson, title=title, body=body)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Question.objects.exists()


def test_a_reply_of_10000_characters_is_taken_and_one_more_is_not(client, question, asker):
    client.force_login(asker)
    assert reply(client, question, body="y" * 10_001).status_code == 400
    assert reply(client, question, body="y" * 10_000).status_code == 302
    assert Reply.objects.get().body == "y" * 10_000


def test_a_form_without_its_token_posts_nothing_and_comes_back_with_a_fresh_one(client, lesson, asker):
    client.force_login(asker)
    response = client.post(questions_url(lesson), {"title": "Hello", "body": "There"})
    html = response.content.decode()
    assert response.status_code == 400 and "This form had expired" in html
    assert 'name="token" value="' in html and "There</textarea>" in html
    assert not Question.objects.exists()


# --- Markdown and XSS ----------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    '<a href="javascript:alert(2)">link</a>',
    '<p class="admin-badge" style="color:red">styled</p>',
    "<iframe src=https://evil.example></iframe>",
]
BODY = "\n\n".join(PAYLOADS)
TITLE = "<script>alert('t')</script><img src=x onerror=alert(1)>"


def assert_clean(html: str) -> None:
    # Titles are escaped text ("&lt;img … onerror=…" may show, as words; so may the raw Markdown
    # of a notification's message); bodies lose every tag and attribute outside the small subset.
    # The site's own scripts come from its static files (static/js): nothing else is a script.
    html = re.sub(r'<script src="/static/js/[\w.-]+" defer></script>', "", html)
    for raw in (
        "<script",
        "<img",
        "<iframe",
        'href="javascript:',
        "href=javascript:",
        'class="admin',
        'style="',
    ):
        assert raw not in html, raw


def test_no_payload_survives_in_titles_or_bodies_on_any_page(client, course, lesson, asker):
    client.force_login(asker)
    ask(client, lesson, title=TITLE, body=BODY)
    question = Question.objects.get()
    client.force_login(enrolled(course))
    reply(client, question, body=BODY)

    pages = [
        question_url(question),
        questions_url(lesson),
        lesson.get_absolute_url(),
        "/notifications/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert_clean(html)
    question_page = client.get(question_url(question)).content.decode()
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in question_page  # the title, as text
    assert question_page.count(">link</a>") == 2 and question_page.count("styled") == 2  # the words stay
    client.force_login(course.instructor)
    for url in ["/community/unanswered/", "/notifications/", question_url(question)]:
        assert_clean(client.get(url).content.decode())


# --- a double submit ----------------------------------------------------------------------------


def test_the_same_question_form_sent_twice_posts_once_and_tells_the_instructor_once(
    client, course, lesson, asker, mailoutbox
):
    client.force_login(asker)
    token = uuid.uuid4()
    first = ask(client, lesson, token=token)
    second = ask(client, lesson, token=token)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Question.objects.count() == 1
    assert told(Kind.QUESTION) == [course.instructor.pk]
    run_jobs()
    assert [m.to for m in mailoutbox] == [[course.instructor.email]]


def test_the_same_reply_form_sent_twice_posts_once_and_tells_once(client, course, question, asker):
    client.force_login(enrolled(course))
    token = uuid.uuid4()
    assert (
        reply(client, question, token=token)["Location"] == reply(client, question, token=token)["Location"]
    )
    assert Reply.objects.count() == 1
    assert told(Kind.DISCUSSION_REPLY) == [asker.pk]
    assert EmailDelivery.objects.filter(event__key__startswith="reply:").count() == 1


def test_a_double_submit_over_the_rate_limit_still_returns_the_first_post(client, lesson, asker, settings):
    settings.DISCUSSION_POSTS_PER_WINDOW = 1
    client.force_login(asker)
    token = uuid.uuid4()
    assert ask(client, lesson, token=token).status_code == 302
    assert ask(client, lesson, token=token).status_code == 302  # the same form: not a second post
    assert ask(client, lesson).status_code == 429  # a new one
    assert Question.objects.count() == 1


# --- who is told ----------------------------------------------------------------------------------


def test_a_new_question_tells_the_instructor_and_not_the_asker(client, course, lesson, asker):
    client.force_login(asker)
    ask(client, lesson, title="Lifetimes?")
    question = Question.objects.get()
    notification = Notification.objects.get()
    assert (notification.user, notification.kind) == (course.instructor, Kind.QUESTION)
    assert notification.url == question_url(question)
    assert "Grace H." in notification.title and "Lifetimes?" in notification.title
    assert EmailEvent.objects.get().key == f"question:{question.pk}"


def test_the_instructor_asking_tells_nobody(client, course, lesson):
    client.force_login(course.instructor)
    assert ask(client, lesson).status_code == 302
    assert not Notification.objects.exists()


def test_a_reply_tells_the_asker_and_earlier_repliers_never_the_writer(client, course, question, asker):
    bob, cleo = enrolled(course), enrolled(course)

    client.force_login(bob)
    reply(client, question)  # Bob: the asker is told
    assert told(Kind.DISCUSSION_REPLY) == [asker.pk]

    Notification.objects.all().delete()
    client.force_login(cleo)
    reply(client, question)  # Cleo: the asker and Bob
    assert told(Kind.DISCUSSION_REPLY) == sorted([asker.pk, bob.pk])

    Notification.objects.all().delete()
    client.force_login(asker)
    reply(client, question)  # the asker: Bob and Cleo, not themselves
    assert told(Kind.DISCUSSION_REPLY) == sorted([bob.pk, cleo.pk])

    Notification.objects.all().delete()
    client.force_login(bob)
    reply(client, question)  # Bob again: the asker and Cleo, once each
    assert told(Kind.DISCUSSION_REPLY) == sorted([asker.pk, cleo.pk])
    latest = Reply.objects.latest("pk")
    assert set(Notification.objects.values_list("url", flat=True)) == {
        f"{question_url(question)}#reply-{latest.pk}"
    }
    assert EmailEvent.objects.filter(key=f"reply:{latest.pk}").count() == 1


def test_a_reply_does_not_tell_a_student_whose_access_ended(client, course, question, asker):
    gone = enrolled(course)
    reply_to(question, gone)
    enrollment_revoke(enrollment=gone.enrollments.get())
    client.force_login(course.instructor)
    reply(client, question)
    assert told(Kind.DISCUSSION_REPLY) == [asker.pk]


def test_the_instructor_is_told_of_replies_only_in_threads_they_wrote_in(client, course, question, asker):
    client.force_login(enrolled(course))
    reply(client, question)
    assert course.instructor.pk not in told(Kind.DISCUSSION_REPLY)
    reply_to(question, course.instructor)
    Notification.objects.all().delete()
    reply(client, question)
    assert told(Kind.DISCUSSION_REPLY) == sorted([asker.pk, course.instructor.pk])


# --- the rate limit -------------------------------------------------------------------------------


def test_over_the_limit_the_form_comes_back_with_the_text_and_nothing_is_posted(
    client, course, lesson, question, asker, settings
):
    settings.DISCUSSION_POSTS_PER_WINDOW = 3
    settings.DISCUSSION_WINDOW_MINUTES = 10
    Question.objects.update(
        created_at=timezone.now() - timedelta(hours=1)
    )  # the fixture's: out of the window
    client.force_login(asker)
    assert ask(client, lesson).status_code == 302
    assert reply(client, question).status_code == 302
    assert ask(client, lesson).status_code == 302  # questions and replies count together: 3
    Notification.objects.all().delete()

    response = ask(client, lesson, title="My fourth", body="Typed *carefully*.")
    html = response.content.decode()
    assert response.status_code == 429
    assert "You have posted 3 times in the last 10 minutes" in html
    assert "Please try again in 10 minutes: your text is kept below." in html
    assert 'value="My fourth"' in html and "Typed *carefully*.</textarea>" in html

    response = reply(client, question, body="A reply I typed.")
    assert response.status_code == 429 and "A reply I typed.</textarea>" in response.content.decode()
    assert Question.objects.filter(author=asker).count() == 2 + 1  # the fixture's question, created directly
    assert Reply.objects.count() == 1
    assert not Notification.objects.exists()


def test_posts_older_than_the_window_no_longer_count(client, lesson, asker, settings):
    settings.DISCUSSION_POSTS_PER_WINDOW = 2
    client.force_login(asker)
    ask(client, lesson)
    ask(client, lesson)
    assert ask(client, lesson).status_code == 429
    Question.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    assert ask(client, lesson).status_code == 302


def test_hidden_posts_still_count(client, course, lesson, asker, settings):
    settings.DISCUSSION_POSTS_PER_WINDOW = 1
    client.force_login(asker)
    ask(client, lesson)
    Question.objects.update(hidden_at=timezone.now())
    assert ask(client, lesson).status_code == 429


def test_the_instructor_answering_a_backlog_is_not_limited(client, course, question, settings):
    settings.DISCUSSION_POSTS_PER_WINDOW = 2
    client.force_login(course.instructor)
    assert [reply(client, question).status_code for _ in range(4)] == [302] * 4


def test_the_limit_is_per_user(client, course, lesson, asker, settings):
    settings.DISCUSSION_POSTS_PER_WINDOW = 1
    client.force_login(asker)
    ask(client, lesson)
    client.force_login(enrolled(course))
    assert ask(client, lesson).status_code == 302
