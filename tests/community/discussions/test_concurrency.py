"""Exactly once under real concurrency on PostgreSQL: several threads, each
with its own connection, send the same form at the same instant."""

import uuid

import pytest
from django.db import connection
from django.test import Client

from community.discussions.models import Question, Reply
from notifications.models import EmailDelivery, Notification
from tests.community.discussions.conftest import ask, enrolled, reply, reply_to
from tests.factories import course_with_curriculum
from tests.learning.test_concurrency import THREADS, run_together

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (select_for_update is a no-op on SQLite); "
        "run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def course():
    return course_with_curriculum(modules=1, lessons_per_module=2)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_eight_simultaneous_submits_of_one_question_form_post_once_and_notify_once(course):
    lesson = course.modules.get().lessons.get(order=1)
    student = enrolled(course)
    token = uuid.uuid4()

    responses = run_together(lambda i: ask(logged_in(student), lesson, token=token))

    assert [r.status_code for r in responses] == [302] * THREADS, responses
    question = Question.objects.get()
    assert {r["Location"] for r in responses} == {f"/courses/{course.slug}/questions/{question.pk}/"}
    assert list(Notification.objects.values_list("user_id", "kind")) == [(course.instructor_id, "question")]
    assert EmailDelivery.objects.filter(user=course.instructor).count() == 1


def test_eight_simultaneous_submits_of_one_reply_form_post_once_and_notify_once(course):
    lesson = course.modules.get().lessons.get(order=1)
    asker, replier = enrolled(course), enrolled(course)
    question = Question.objects.create(
        lesson=lesson, author=asker, title="Why?", body="B", token=uuid.uuid4()
    )
    reply_to(question, course.instructor)
    token = uuid.uuid4()

    responses = run_together(lambda i: reply(logged_in(replier), question, token=token))

    assert [r.status_code for r in responses] == [302] * THREADS, responses
    assert Reply.objects.filter(author=replier).count() == 1
    told = sorted(Notification.objects.values_list("user_id", flat=True))
    assert told == sorted([asker.pk, course.instructor_id])  # once each, never the replier


def test_the_rate_limit_holds_when_many_different_posts_arrive_at_once(course, settings):
    settings.DISCUSSION_POSTS_PER_WINDOW = 3
    lesson = course.modules.get().lessons.get(order=1)
    student = enrolled(course)

    statuses = run_together(lambda i: ask(logged_in(student), lesson, title=f"Question {i}").status_code)

    assert sorted(statuses) == [302] * 3 + [429] * (THREADS - 3)
    assert Question.objects.count() == 3
    assert Notification.objects.count() == 3
