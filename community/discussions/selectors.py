"""Reads about discussions. Every page runs a fixed number of queries,
whatever the number of questions and replies: the reply counts and the
"answered" marks are subqueries of the list's own query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from community.discussions import policies
from community.discussions.models import Question, Reply

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Course, Lesson
    from lms.models import User

LESSON_PAGE_QUESTIONS = 3


def _reply_count() -> Coalesce:
    visible = (
        Reply.objects.filter(question=OuterRef("pk"), hidden_at__isnull=True)
        .order_by()
        .values("question")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(visible, output_field=IntegerField()), Value(0))


def _answered() -> Exists:
    return Exists(Reply.objects.filter(question=OuterRef("pk"), accepted_at__isnull=False))


def questions_listed() -> QuerySet[Question]:
    """Questions as lists show them: not hidden, with their author, the number
    of visible replies (`reply_count`) and whether one is accepted (`answered`)."""
    return (
        Question.objects.filter(hidden_at__isnull=True)
        .select_related("author")
        .annotate(reply_count=_reply_count(), answered=_answered())
    )


def lesson_questions(*, lesson: Lesson) -> QuerySet[Question]:
    """The lesson's questions, newest first. The caller has fetched the lesson
    through `policies.lessons_discussable_by`."""
    return questions_listed().filter(lesson=lesson).order_by("-created_at", "-pk")


def lesson_questions_newest(*, lesson: Lesson, limit: int = LESSON_PAGE_QUESTIONS) -> list[Question]:
    """The lesson page's few newest questions (one query)."""
    return list(lesson_questions(lesson=lesson)[:limit])


def lesson_get_discussable(*, slug: str, lesson_id: int, viewer: User | AnonymousUser) -> Lesson | None:
    """The lesson of the course `slug` if the viewer may read its questions,
    with its module and course (and instructor); None otherwise. One query."""
    return (
        policies.lessons_discussable_by(viewer)
        .select_related("module__course__instructor")
        .filter(pk=lesson_id, module__course__slug=slug)
        .first()
    )


def questions_unanswered_for(*, user: User | AnonymousUser) -> QuerySet[Question]:
    """The questions of the courses the user teaches that have no accepted
    answer yet, oldest first (the one waiting longest on top)."""
    return (
        policies.questions_moderated_by(user, among=questions_listed())
        .filter(answered=False)
        .select_related("lesson__module__course")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class QuestionPage:
    """A question's page as the viewer sees it. Whether the viewer may edit a
    post is set on the post itself (`is_mine_editable`)."""

    question: Question
    course: Course
    lesson: Lesson
    replies: list[Reply]
    can_moderate: bool
    can_accept: bool

    @property
    def accepted(self) -> Reply | None:
        return next((reply for reply in self.replies if reply.is_accepted), None)

    @property
    def reply_count(self) -> int:
        """The replies that count, as on the list of questions: hidden ones do not."""
        return sum(1 for reply in self.replies if not reply.is_hidden)


def question_page_get(
    *, slug: str, question_id: int, viewer: User | AnonymousUser, now: datetime
) -> QuestionPage | None:
    """The question of the course `slug` with its replies in order, if the
    viewer may read it; None otherwise. Two queries, whatever the number of replies."""
    question = (
        policies.questions_readable_by(viewer)
        .select_related("author", "lesson__module__course__instructor")
        .filter(pk=question_id, lesson__module__course__slug=slug)
        .first()
    )
    if question is None:
        return None
    course = question.lesson.module.course
    replies = list(question.replies.select_related("author"))
    for post in [question, *replies]:
        post.is_mine_editable = policies.can_edit_post(viewer, post, now=now)
    for reply in replies:
        reply.question = question  # its URL, without a query
    return QuestionPage(
        question=question,
        course=course,
        lesson=question.lesson,
        replies=replies,
        can_moderate=policies.can_moderate(viewer, course),
        can_accept=policies.can_accept_answer(viewer, question, course),
    )


def posts_recent_times(*, author: User, since: datetime, limit: int) -> list[datetime]:
    """When `author` posted their newest questions and replies since `since`
    (hidden ones too), at most `limit` of them, newest first (one query)."""
    recent = {"author": author, "created_at__gte": since}
    questions = Question.objects.filter(**recent).order_by().values_list("created_at")
    replies = Reply.objects.filter(**recent).order_by().values_list("created_at")
    return [row[0] for row in questions.union(replies, all=True).order_by("-created_at")[:limit]]
