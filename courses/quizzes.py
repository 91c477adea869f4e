"""Quiz rules that need no database: whether a question can be answered right,
reading a submitted form, and grading. The services in
`learning.services.quizzes` call these inside their transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from courses.models import Question


class InvalidAnswer(ValueError):
    """The submitted form names a choice that is not one of the question's
    choices (a tampered or stale form): nothing may be recorded."""


def question_answer_errors(*, kind: str, correct_count: int, choice_count: int) -> list[str]:
    """Why a question could not be answered right, in words for the instructor.
    An empty list means the question is fine."""
    errors = []
    if kind == Question.Kind.MULTIPLE:
        if correct_count < 1:
            errors.append("A multiple-choice question needs at least one correct choice.")
        if choice_count < 2:
            errors.append("A multiple-choice question needs at least two choices.")
    else:
        label = "true/false" if kind == Question.Kind.TRUE_FALSE else "single-choice"
        if correct_count != 1:
            errors.append(f"A {label} question needs exactly one correct choice (it has {correct_count}).")
        if kind == Question.Kind.TRUE_FALSE and choice_count != 2:
            errors.append(f"A true/false question has exactly two choices (it has {choice_count}).")
        elif choice_count < 2:
            errors.append(f"A {label} question needs at least two choices.")
    return errors


def field_name(question_id: int) -> str:
    """The form field that carries a question's chosen choice ids."""
    return f"question_{question_id}"


def answers_from_form(
    data: Mapping,
    *,
    choices_by_question: Mapping[int, Iterable[int]],
    one_answer: Collection[int] = (),
) -> dict[int, frozenset[int]]:
    """Read the chosen choice ids per question from a QueryDict-like `data`.

    An unanswered question maps to an empty set. Raises InvalidAnswer when a
    value is not an id of one of that question's choices, or when a question
    of `one_answer` (single choice, true/false: radio buttons) gets more than one."""
    answers: dict[int, frozenset[int]] = {}
    for question_id, choice_ids in choices_by_question.items():
        allowed = set(choice_ids)
        raw = data.getlist(field_name(question_id)) if hasattr(data, "getlist") else []
        chosen = set()
        for value in raw:
            try:
                choice_id = int(value)
            except (TypeError, ValueError):
                raise InvalidAnswer(f"{value!r} is not a choice id.") from None
            if choice_id not in allowed:
                raise InvalidAnswer(f"Choice {choice_id} does not belong to question {question_id}.")
            chosen.add(choice_id)
        if len(chosen) > 1 and question_id in one_answer:
            raise InvalidAnswer(f"Question {question_id} takes one answer, not {len(chosen)}.")
        answers[question_id] = frozenset(chosen)
    return answers


@dataclass(frozen=True)
class GradableQuestion:
    id: int
    points: int
    correct_choice_ids: frozenset[int]


@dataclass(frozen=True)
class GradedQuestion:
    question_id: int
    chosen: frozenset[int]
    correct: bool
    points_earned: int
    points: int

    def as_json(self) -> dict:
        return {
            "question": self.question_id,
            "choices": sorted(self.chosen),
            "correct": self.correct,
            "points": self.points_earned,
            "out_of": self.points,  # the question's weight when graded: the result survives an edit
        }


@dataclass(frozen=True)
class Grade:
    score: int  # percent, rounded down
    passed: bool
    points_earned: int
    points_total: int
    questions: tuple[GradedQuestion, ...]


def grade(
    questions: Sequence[GradableQuestion], answers: Mapping[int, frozenset[int]], *, pass_mark: int
) -> Grade:
    """One rule for every kind: a question is right when exactly its set of
    correct choices was chosen (one for single choice and true/false, all of
    them and nothing else for multiple choice). Unanswered is wrong; partial
    is wrong. Score = 100 * earned / total, rounded down; passed when the score
    reaches the pass mark (rounding down never changes that, the mark being whole)."""
    graded = []
    for question in questions:
        chosen = frozenset(answers.get(question.id, frozenset()))
        correct = bool(chosen) and chosen == question.correct_choice_ids
        graded.append(
            GradedQuestion(
                question_id=question.id,
                chosen=chosen,
                correct=correct,
                points_earned=question.points if correct else 0,
                points=question.points,
            )
        )
    total = sum(q.points for q in graded)
    earned = sum(q.points_earned for q in graded)
    score = (earned * 100) // total if total else 0
    return Grade(
        score=score,
        passed=bool(total) and score >= pass_mark,
        points_earned=earned,
        points_total=total,
        questions=tuple(graded),
    )
