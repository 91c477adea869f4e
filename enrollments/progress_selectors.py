"""Reads about a student's learning: lesson progress, quiz attempts and
assignment submissions. Each function runs a fixed number of queries,
whatever the size of the course."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from courses.models import Choice, Lesson, Question, Quiz
from enrollments.models import LessonProgress, QuizAttempt, Submission
from enrollments.quiz_services import attempt_is_late

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Course
    from lms.models import User

CURRICULUM_ORDER = ("module__order", "module__pk", "order", "pk")


@dataclass(frozen=True)
class UserProgress:
    """The backlog's getUserProgress result."""

    completed_lesson_ids: frozenset[int]
    lesson_ids: tuple[int, ...]  # every lesson of the course, in curriculum order

    @property
    def lesson_count(self) -> int:
        return len(self.lesson_ids)

    @property
    def completed_count(self) -> int:
        return len(self.completed_lesson_ids)

    @property
    def percent(self) -> int:
        """Completed ÷ lessons the course has now, rounded down (0 for no lessons)."""
        if not self.lesson_ids:
            return 0
        return min(100, self.completed_count * 100 // self.lesson_count)

    @property
    def continue_lesson_id(self) -> int | None:
        """The first lesson not completed, in curriculum order; the first lesson
        when everything is done; None for an empty course."""
        for lesson_id in self.lesson_ids:
            if lesson_id not in self.completed_lesson_ids:
                return lesson_id
        return self.lesson_ids[0] if self.lesson_ids else None


EMPTY_PROGRESS = UserProgress(completed_lesson_ids=frozenset(), lesson_ids=())


def _completed(user_ref) -> QuerySet[LessonProgress]:
    return LessonProgress.objects.filter(user=user_ref, lesson=OuterRef("pk"), completed_at__isnull=False)


def completed_lesson_ids_get(*, user: User | AnonymousUser, course: Course) -> frozenset[int]:
    """The lessons of `course` that `user` has completed: one query (none for
    the anonymous). The pages pair it with the cached curriculum."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(
        LessonProgress.objects.filter(
            user=user, lesson__module__course=course, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )


def user_progress_get(*, user: User | AnonymousUser, course: Course) -> UserProgress:
    """Completed lesson ids and percentage of one user in one course: one query
    (none for the anonymous). Progress on lessons moved to another course counts
    there, not here: the lesson's current course decides."""
    if not user.is_authenticated:
        return EMPTY_PROGRESS
    rows = (
        Lesson.objects.filter(module__course=course)
        .order_by(*CURRICULUM_ORDER)
        .annotate(done=Exists(_completed(user)))
        .values_list("pk", "done")
    )
    lesson_ids, completed = [], set()
    for lesson_id, done in rows:
        lesson_ids.append(lesson_id)
        if done:
            completed.add(lesson_id)
    return UserProgress(completed_lesson_ids=frozenset(completed), lesson_ids=tuple(lesson_ids))


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
    return QuizSummary(
        quiz=quiz,
        attempts_used=len(attempts),
        best_score=max(scores) if scores else None,
        passed=any(a.passed for a in submitted),
        open_attempt=open_attempt,
        last_attempt=submitted[-1] if submitted else None,
    )


def submissions_for_lesson(*, user: User | AnonymousUser, lesson: Lesson) -> list[Submission]:
    """The student's submissions for an assignment lesson, newest first (one query)."""
    if not user.is_authenticated:
        return []
    return list(Submission.objects.filter(user=user, lesson=lesson).order_by("-submitted_at", "-pk"))


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
class QuestionResult:
    question: Question
    chosen: frozenset[int]
    correct: bool
    points_earned: int
    points: int  # what the question was worth when graded
    correct_choice_ids: frozenset[int]


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
        results.append(
            QuestionResult(
                question=question,
                chosen=frozenset(answer.get("choices", [])),
                correct=bool(answer.get("correct")),
                points_earned=int(answer.get("points", 0)),
                # Attempts graded before "out_of" was recorded: the question's points now.
                points=int(answer.get("out_of", question.points)),
                correct_choice_ids=frozenset(c.pk for c in question.choices.all() if c.is_correct)
                if show
                else frozenset(),
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
