"""The grading table: every question kind × right, wrong, partial, empty."""

import pytest
from django.http import QueryDict

from courses.models import Question
from courses.quizzes import (
    GradableQuestion,
    InvalidAnswer,
    answers_from_form,
    grade,
    question_answer_errors,
)

SINGLE = GradableQuestion(id=1, points=1, correct_choice_ids=frozenset({11}))  # choices 11, 12, 13
TRUE_FALSE = GradableQuestion(id=2, points=1, correct_choice_ids=frozenset({21}))  # choices 21, 22
MULTIPLE = GradableQuestion(id=3, points=1, correct_choice_ids=frozenset({31, 32}))  # choices 31..34


@pytest.mark.parametrize(
    ("question", "chosen", "right"),
    [
        (SINGLE, {11}, True),
        (SINGLE, {12}, False),
        (SINGLE, {11, 12}, False),  # partial: the right one plus a wrong one (a forged form)
        (SINGLE, set(), False),
        (TRUE_FALSE, {21}, True),
        (TRUE_FALSE, {22}, False),
        (TRUE_FALSE, {21, 22}, False),  # partial: both
        (TRUE_FALSE, set(), False),
        (MULTIPLE, {31, 32}, True),
        (MULTIPLE, {33}, False),
        (MULTIPLE, {31}, False),  # partial: some of the right ones
        (MULTIPLE, {31, 32, 33}, False),  # partial: all the right ones and a wrong one
        (MULTIPLE, set(), False),
    ],
)
def test_a_question_is_right_only_with_exactly_its_correct_choices(question, chosen, right):
    result = grade([question], {question.id: frozenset(chosen)}, pass_mark=70)
    assert result.questions[0].correct is right
    assert result.score == (100 if right else 0)
    assert result.passed is right
    assert result.points_earned == (1 if right else 0)


def test_unanswered_questions_count_as_wrong():
    result = grade([SINGLE, TRUE_FALSE, MULTIPLE], {1: frozenset({11})}, pass_mark=30)
    assert [q.correct for q in result.questions] == [True, False, False]
    assert result.score == 33  # 1 of 3 points, rounded down
    assert result.passed is True


def test_score_weights_points_and_rounds_down():
    heavy = GradableQuestion(id=4, points=3, correct_choice_ids=frozenset({41}))
    result = grade([SINGLE, heavy], {4: frozenset({41})}, pass_mark=75)
    assert (result.points_earned, result.points_total, result.score) == (3, 4, 75)
    assert result.passed is True  # score >= pass mark
    result = grade([SINGLE, TRUE_FALSE, heavy], {1: frozenset({11}), 4: frozenset({41})}, pass_mark=81)
    assert result.score == 80  # 4/5
    assert result.passed is False


def test_pass_mark_boundaries():
    two_thirds = [SINGLE, TRUE_FALSE, MULTIPLE]
    answers = {1: frozenset({11}), 2: frozenset({21})}
    assert grade(two_thirds, answers, pass_mark=66).passed is True  # 66.67 → 66 ≥ 66
    assert grade(two_thirds, answers, pass_mark=67).passed is False
    assert grade(two_thirds, {}, pass_mark=0).passed is True  # a 0 % pass mark passes anyone who submits


def test_a_quiz_without_questions_never_passes():
    result = grade([], {}, pass_mark=0)
    assert (result.score, result.passed) == (0, False)


def test_form_answers_are_read_per_question():
    data = QueryDict("question_1=11&question_3=31&question_3=32")
    answers = answers_from_form(data, choices_by_question={1: [11, 12], 2: [21, 22], 3: [31, 32, 33]})
    assert answers == {1: frozenset({11}), 2: frozenset(), 3: frozenset({31, 32})}


@pytest.mark.parametrize("query", ["question_1=21", "question_1=abc", "question_1=999"])
def test_a_choice_of_another_question_is_refused(query):
    with pytest.raises(InvalidAnswer):
        answers_from_form(QueryDict(query), choices_by_question={1: [11, 12], 2: [21, 22]})


def test_a_one_answer_question_with_two_answers_is_refused():
    data = QueryDict("question_1=11&question_1=12&question_3=31&question_3=32")
    choices = {1: [11, 12], 3: [31, 32, 33]}
    with pytest.raises(InvalidAnswer, match="takes one answer"):
        answers_from_form(data, choices_by_question=choices, one_answer={1})
    # Several answers are what a multiple-choice question (3) is for.
    assert answers_from_form(data, choices_by_question=choices, one_answer={2})[3] == frozenset({31, 32})


@pytest.mark.parametrize(
    ("kind", "correct", "choices", "ok"),
    [
        (Question.Kind.SINGLE, 1, 3, True),
        (Question.Kind.SINGLE, 0, 3, False),
        (Question.Kind.SINGLE, 2, 3, False),
        (Question.Kind.SINGLE, 1, 1, False),
        (Question.Kind.TRUE_FALSE, 1, 2, True),
        (Question.Kind.TRUE_FALSE, 2, 2, False),
        (Question.Kind.TRUE_FALSE, 0, 2, False),
        (Question.Kind.TRUE_FALSE, 1, 3, False),
        (Question.Kind.MULTIPLE, 2, 4, True),
        (Question.Kind.MULTIPLE, 1, 4, True),
        (Question.Kind.MULTIPLE, 0, 4, False),
    ],
)
def test_answerable_questions(kind, correct, choices, ok):
    errors = question_answer_errors(kind=kind, correct_count=correct, choice_count=choices)
    assert (errors == []) is ok
