"""Shared set-up for the discussion tests: a published course (the `course`
fixture of tests/community/conftest.py: 10 lessons, taught by Ada Lovelace),
its students, and helpers that post through the site as a browser does."""

import uuid

import pytest
from django.db import connection
from django.urls import reverse

from community.discussions.models import Question, Reply
from courses.models import Lesson
from tests.factories import EnrollmentFactory, UserFactory


@pytest.fixture
def lesson(course) -> Lesson:
    """A lesson that is not a free preview: only students and authors open it."""
    return (
        Lesson.objects.filter(module__course=course, is_preview=False)
        .select_related("module__course")
        .first()
    )


def enrolled(course, **user_fields):
    return EnrollmentFactory(course=course, user=UserFactory(**user_fields)).user


@pytest.fixture
def asker(course):
    return enrolled(course, first_name="Grace", last_name="Hopper")


@pytest.fixture
def question(lesson, asker) -> Question:
    return Question.objects.create(
        lesson=lesson,
        author=asker,
        title="Why does the borrow checker refuse this?",
        body="Details.",
        token=uuid.uuid4(),
    )


def reply_to(question, author, body="A reply.", **fields) -> Reply:
    return Reply.objects.create(question=question, author=author, body=body, token=uuid.uuid4(), **fields)


def questions_url(lesson) -> str:
    return reverse("community:questions", args=[lesson.module.course.slug, lesson.pk])


def question_url(question, name: str = "question", *extra) -> str:
    return reverse(f"community:{name}", args=[question.lesson.module.course.slug, question.pk, *extra])


def ask(client, lesson, title="How do lifetimes work?", body="I *tried* this.", token=None):
    return client.post(
        questions_url(lesson), {"title": title, "body": body, "token": str(token or uuid.uuid4())}
    )


def reply(client, question, body="Have you tried `clone()`?", token=None):
    return client.post(question_url(question), {"body": body, "token": str(token or uuid.uuid4())})


def run_jobs():
    """The jobs the transaction enqueued (the immediate backend runs them on commit)."""
    while connection.run_on_commit:
        callbacks = list(connection.run_on_commit)
        connection.run_on_commit.clear()
        for _savepoints, callback, _robust in callbacks:
            callback()
