"""Writes about quiz attempts: start (or resume) one, submit it once.

Both take the lock on the student's enrollment first, so a double click, two
tabs or two devices queue up; the unique constraints on (user, quiz,
attempt_number) and on one open attempt per (user, quiz) back the limit even
if a future caller forgets the lock."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from courses.models import Question, Quiz
from courses.quizzes import GradableQuestion, answers_from_form, grade
from learning.models import QuizAttempt
from learning.services.progress import (
    enrollment_activity_record,
    enrollment_lock_for_lesson,
    lesson_progress_record,
)

if TYPE_CHECKING:
    from lms.models import User

# A submission that arrives within a minute after the time limit still counts:
# the network and a slow "Submit" click are not the student's fault.
TIME_LIMIT_GRACE = timedelta(minutes=1)


class QuizNotAvailable(Exception):
    """The student cannot start an attempt now. The message is for the student."""


def attempt_deadline(*, attempt: QuizAttempt, quiz: Quiz) -> datetime | None:
    """When the time limit ends (without the grace minute), or None for no limit."""
    if not quiz.time_limit_minutes:
        return None
    return attempt.started_at + timedelta(minutes=quiz.time_limit_minutes)


def attempt_is_late(*, attempt: QuizAttempt, quiz: Quiz, at: datetime) -> bool:
    deadline = attempt_deadline(attempt=attempt, quiz=quiz)
    return deadline is not None and at > deadline + TIME_LIMIT_GRACE


def _close_timed_out(*, attempt: QuizAttempt, at: datetime) -> None:
    """An attempt left open past its time limit: recorded as failed, unanswered."""
    attempt.submitted_at = at
    attempt.score = 0
    attempt.passed = False
    attempt.timed_out = True
    attempt.answers = []
    attempt.save(update_fields=["submitted_at", "score", "passed", "timed_out", "answers"])


@transaction.atomic
def quiz_attempt_start(*, user: User, quiz: Quiz) -> QuizAttempt:
    """Start an attempt, or return the one already in progress.

    `quiz.lesson.module.course` must be loaded. Raises ProgressNotAllowed without an
    active enrollment or while the lesson's module is not open yet (drip), and
    QuizNotAvailable when no attempt is left or the quiz has no questions yet."""
    enrollment_activity_record(enrollment=enrollment_lock_for_lesson(user=user, lesson=quiz.lesson))
    now = timezone.now()
    attempts = list(QuizAttempt.objects.filter(user=user, quiz=quiz).order_by("attempt_number"))
    open_attempt = next((a for a in attempts if not a.is_submitted), None)
    if open_attempt is not None:
        if not attempt_is_late(attempt=open_attempt, quiz=quiz, at=now):
            return open_attempt
        _close_timed_out(attempt=open_attempt, at=now)
    if not quiz.is_unlimited and len(attempts) >= quiz.max_attempts:
        raise QuizNotAvailable("You have used all your attempts at this quiz.")
    question_ids = list(
        Question.objects.filter(quiz=quiz).order_by("order", "pk").values_list("pk", flat=True)
    )
    if not question_ids:
        raise QuizNotAvailable("This quiz has no questions yet.")
    if quiz.shuffle_questions:
        random.shuffle(question_ids)
    return QuizAttempt.objects.create(
        user=user,
        quiz=quiz,
        attempt_number=(attempts[-1].attempt_number + 1) if attempts else 1,
        started_at=now,
        question_order=question_ids,
    )


def attempt_questions(*, attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions, in the order the student was shown them, each with
    its choices prefetched (two queries). Questions deleted since are left out."""
    questions = {
        q.pk: q
        for q in Question.objects.filter(
            quiz_id=attempt.quiz_id, pk__in=attempt.question_order
        ).prefetch_related("choices")
    }
    return [questions[pk] for pk in attempt.question_order if pk in questions]


@transaction.atomic
def quiz_attempt_submit(*, attempt: QuizAttempt, data: Mapping) -> QuizAttempt:
    """Grade and record an attempt, once.

    `attempt.quiz.lesson.module` must be loaded. A second submission of the same
    attempt (a double click) changes nothing and returns the recorded result.
    Raises InvalidAnswer (nothing recorded) when `data` names a choice of
    another question, or several choices for a single-choice or true/false
    question; ProgressNotAllowed when the enrollment is no longer active.
    Late (past the time limit and its grace minute): recorded, scored 0, failed.
    Passed: the quiz lesson is completed."""
    quiz = attempt.quiz
    lesson = quiz.lesson
    enrollment = enrollment_lock_for_lesson(user=attempt.user, lesson=lesson)
    enrollment_activity_record(enrollment=enrollment)
    attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.is_submitted:
        return attempt
    questions = attempt_questions(attempt=attempt)
    answers = answers_from_form(
        data,
        choices_by_question={q.pk: [c.pk for c in q.choices.all()] for q in questions},
        one_answer={q.pk for q in questions if q.kind != Question.Kind.MULTIPLE},
    )
    result = grade(
        [
            GradableQuestion(
                id=q.pk,
                points=q.points,
                correct_choice_ids=frozenset(c.pk for c in q.choices.all() if c.is_correct),
            )
            for q in questions
        ],
        answers,
        pass_mark=quiz.pass_mark,
    )
    now = timezone.now()
    late = attempt_is_late(attempt=attempt, quiz=quiz, at=now)
    attempt.submitted_at = now
    attempt.answers = [q.as_json() for q in result.questions]
    if late:  # the answers are kept, and whether they were right; nothing is earned
        for answer in attempt.answers:
            answer["points"] = 0
    attempt.timed_out = late
    attempt.score = 0 if late else result.score
    attempt.passed = result.passed and not late
    attempt.save(update_fields=["submitted_at", "answers", "timed_out", "score", "passed"])
    if attempt.passed:
        lesson_progress_record(enrollment=enrollment, lesson=lesson, completed=True)
    return attempt
