"""Reads about quizzes as a student takes them: their attempts so far, the
questions to answer (never with the right answers), a graded result. Each
function runs a fixed number of queries, whatever the size of the quiz."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from courses.models import Choice, Lesson, Question, Quiz
from learning.models import QuizAttempt
from learning.services.quizzes import TIME_LIMIT_GRACE, attempt_deadline, attempt_is_late
from lms.user_page_cache import page_changes_at

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Course
    from lms.models import User


@dataclass(frozen=True)
class QuizSummary:
    quiz: Quiz
    attempts_used: int
    best_score: int | None
    passed: bool
    open_attempt: QuizAttempt | None
    last_attempt: QuizAttempt | None

    @property
    def remaining_attempts(self) -> int | None:
        """None for unlimited."""
        if self.quiz.is_unlimited:
            return None
        return max(0, self.quiz.max_attempts - self.attempts_used)

    @property
    def can_start(self) -> bool:
        return self.open_attempt is not None or self.remaining_attempts != 0


def quiz_summary_get(*, user: User | AnonymousUser, lesson: Lesson) -> QuizSummary | None:
    """The quiz of a quiz lesson with the student's attempts so far (two queries),
    or None when the lesson has no quiz yet."""
    quiz = Quiz.objects.filter(lesson=lesson).first()
    if quiz is None:
        return None
    quiz.lesson = lesson
    attempts = []
    if user.is_authenticated:
        attempts = list(QuizAttempt.objects.filter(user=user, quiz=quiz).order_by("attempt_number"))
    submitted = [a for a in attempts if a.is_submitted]
    scores = [a.score for a in submitted if a.score is not None]
    open_attempt = next((a for a in attempts if not a.is_submitted), None)
    if open_attempt is not None and attempt_is_late(attempt=open_attempt, quiz=quiz, at=timezone.now()):
        # Its time is up: resuming could only end in a failed attempt. It still
        # counts as used; starting again closes it as failed.
        open_attempt = None
    elif open_attempt is not None and quiz.time_limit_minutes:
        # The page offers resuming until then: a cached copy must not outlive it.
        page_changes_at(attempt_deadline(attempt=open_attempt, quiz=quiz) + TIME_LIMIT_GRACE)
    return QuizSummary(
        quiz=quiz,
        attempts_used=len(attempts),
        best_score=max(scores) if scores else None,
        passed=any(a.passed for a in submitted),
        open_attempt=open_attempt,
        last_attempt=submitted[-1] if submitted else None,
    )


# The take page loads choices without `is_correct`: what is not fetched cannot
# leak into the HTML.
DISPLAY_CHOICE_FIELDS = ("id", "question_id", "text", "order")


def _questions_for_display(queryset: QuerySet[Question]) -> QuerySet[Question]:
    return queryset.prefetch_related(
        Prefetch("choices", queryset=Choice.objects.only(*DISPLAY_CHOICE_FIELDS).order_by("order", "pk"))
    )


def attempt_questions_for_display(*, attempt: QuizAttempt) -> list[Question]:
    """The questions of an attempt in the order it shows them (two queries)."""
    questions = {q.pk: q for q in _questions_for_display(Question.objects.filter(quiz_id=attempt.quiz_id))}
    return [questions[pk] for pk in attempt.question_order if pk in questions]


def quiz_questions_for_display(*, quiz: Quiz) -> list[Question]:
    return list(_questions_for_display(Question.objects.filter(quiz=quiz).order_by("order", "pk")))


@dataclass(frozen=True)
class ChoiceResult:
    choice: Choice
    chosen: bool
    # "right": the student's choice, and a right one; "wrong": the student's
    # choice, and a wrong one (whatever the quiz's setting: the student learns
    # where they went wrong); "answer": a right choice they did not pick, shown
    # only as the quiz's setting allows; "": nothing to say.
    mark: str


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    chosen: frozenset[int]
    correct: bool
    points_earned: int
    points: int  # what the question was worth when graded
    choices: tuple[ChoiceResult, ...]  # in the quiz's order, each with its mark


def _choice_mark(choice: Choice, *, chosen: bool, show_answers: bool) -> str:
    if chosen:
        return "right" if choice.is_correct else "wrong"
    return "answer" if show_answers and choice.is_correct else ""


@dataclass(frozen=True)
class QuizResult:
    attempt: QuizAttempt
    quiz: Quiz
    course: Course
    questions: list[QuestionResult]
    show_answers: bool  # right answers and explanations, per the quiz's setting
    summary: QuizSummary

    @property
    def points_earned(self) -> int:
        return sum(q.points_earned for q in self.questions)

    @property
    def points_total(self) -> int:
        return sum(q.points for q in self.questions)


def quiz_result_get(*, attempt: QuizAttempt) -> QuizResult:
    """A submitted attempt with its answers (as recorded when graded) and, if the
    quiz's setting allows it now, the right answers: four queries.
    `attempt.quiz.lesson.module.course` must be loaded."""
    quiz = attempt.quiz
    lesson = quiz.lesson
    summary = quiz_summary_get(user=attempt.user, lesson=lesson)
    recorded = {a["question"]: a for a in attempt.answers}
    questions = {
        q.pk: q
        for q in Question.objects.filter(quiz=quiz, pk__in=attempt.question_order).prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("order", "pk"))
        )
    }
    if quiz.show_answers == Quiz.ShowAnswers.AFTER_EACH_ATTEMPT:
        show = True
    elif quiz.show_answers == Quiz.ShowAnswers.AFTER_PASSING:
        show = bool(summary and summary.passed)
    else:
        show = False
    results = []
    for pk in attempt.question_order:
        question = questions.get(pk)
        if question is None:
            continue
        answer = recorded.get(pk, {})
        chosen = frozenset(answer.get("choices", []))
        results.append(
            QuestionResult(
                question=question,
                chosen=chosen,
                correct=bool(answer.get("correct")),
                points_earned=int(answer.get("points", 0)),
                # Attempts graded before "out_of" was recorded: the question's points now.
                points=int(answer.get("out_of", question.points)),
                choices=tuple(
                    ChoiceResult(
                        choice=c,
                        chosen=c.pk in chosen,
                        mark=_choice_mark(c, chosen=c.pk in chosen, show_answers=show),
                    )
                    for c in question.choices.all()
                ),
            )
        )
    return QuizResult(
        attempt=attempt,
        quiz=quiz,
        course=lesson.module.course,
        questions=results,
        show_answers=show,
        summary=summary,
    )
