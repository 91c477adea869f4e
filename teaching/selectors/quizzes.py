"""A course's quizzes as its instructor reads them: attempts, pass rate,
average best score, and the three hardest questions of each.

Raw SQL, because the ORM cannot aggregate an aggregate (the best score of each
student, averaged over the students) nor unnest the attempts' `answers` JSON
(json_each on SQLite, jsonb_to_recordset on PostgreSQL). Two queries for all
the quizzes of a course, whatever the number of students and attempts, and a
third for the hardest questions' prompts. Only submitted attempts count (a
timed-out one counts as a failed attempt).

Counting them reads every submitted attempt of the course (80,000 on the
bench's big course), so they are counted at most once a minute
(teaching.selectors.counted) and the page says when; titles and prompts are
read fresh."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache

from courses.models import Question
from lms.db_routers import read_connection, replica_reads
from teaching.selectors.counted import Counted, counted
from teaching.selectors.figures import mean, percent

if TYPE_CHECKING:
    from datetime import datetime

HARDEST_QUESTIONS = 3
HARDEST_CACHE_SECONDS = 24 * 3600
PROMPT_LENGTH = 80

# The tables are learning_quizattempt (QuizAttempt), courses_quiz, courses_lesson,
# courses_module and courses_question; tests/teaching/test_analytics_csv.py runs
# both queries on SQLite and PostgreSQL against numbers worked out by hand.
COURSE_QUIZZES = """
    SELECT z.id FROM courses_quiz AS z
    INNER JOIN courses_lesson AS l ON l.id = z.lesson_id
    INNER JOIN courses_module AS m ON m.id = l.module_id
    WHERE m.course_id = %(course)s AND l.archived_at IS NULL AND m.archived_at IS NULL
"""

# Per student and quiz: attempts, passed at least once, best score; then per
# quiz. The number of attempts and the latest submission name the set of
# attempts counted (the hardest questions are cached under them). Only columns
# of the index quiz_attempt_submitted_scores: an index-only scan on PostgreSQL,
# in (quiz, student) order when the quizzes are an array (`= ANY(ARRAY(…))`),
# so the students are grouped as they are read. With `IN (subquery)` PostgreSQL
# misjudged the rows (4 quizzes for 50) and hashed 59,000 groups, spilling to
# disk: 45 ms against 25 ms on the bench's big course.
QUIZ_FIGURES_SQL = """
SELECT z.lesson_id, SUM(t.attempts), COUNT(*), SUM(t.passed), SUM(t.best), MAX(t.last)
FROM (
    SELECT a.quiz_id, a.user_id, COUNT(*) AS attempts,
           MAX(CASE WHEN a.passed THEN 1 ELSE 0 END) AS passed,
           MAX(COALESCE(a.score, 0)) AS best,
           MAX(a.submitted_at) AS last
    FROM learning_quizattempt AS a
    WHERE a.submitted_at IS NOT NULL AND {quizzes}
    GROUP BY a.quiz_id, a.user_id
) AS t
INNER JOIN courses_quiz AS z ON z.id = t.quiz_id
GROUP BY z.lesson_id
"""
QUIZ_FIGURES_FILTER = {
    "sqlite": f"a.quiz_id IN ({COURSE_QUIZZES})",
    "postgresql": f"a.quiz_id = ANY(ARRAY({COURSE_QUIZZES}))",
}

# One row per answer given: (quiz, question, right or not). The JSON is a list
# of {"question": id, "correct": bool, ...} (learning.models.QuizAttempt.answers).
ANSWERS_SQL = {
    "sqlite": f"""
    SELECT a.quiz_id AS quiz_id,
           CAST(json_extract(e.value, '$.question') AS INTEGER) AS question_id,
           CASE WHEN json_extract(e.value, '$.correct') THEN 1 ELSE 0 END AS correct
    FROM learning_quizattempt AS a, json_each(a.answers) AS e
    WHERE a.submitted_at IS NOT NULL AND a.quiz_id IN ({COURSE_QUIZZES})
    """,  # noqa: S608
    # jsonb_to_recordset reads the two keys once per element (faster than
    # jsonb_array_elements with ->> per key, measured).
    "postgresql": f"""
    SELECT a.quiz_id AS quiz_id, e.question AS question_id, CASE WHEN e.correct THEN 1 ELSE 0 END AS correct
    FROM learning_quizattempt AS a
    CROSS JOIN LATERAL jsonb_to_recordset(a.answers) AS e(question bigint, correct boolean)
    WHERE a.submitted_at IS NOT NULL AND a.quiz_id IN ({COURSE_QUIZZES})
      AND jsonb_typeof(a.answers) = 'array'
    """,  # noqa: S608
}

# Per quiz, its questions ranked by the share of right answers, lowest first
# (a window function over the GROUP BY), the first three kept.
HARDEST_SQL = """
WITH answers AS ({answers}),
ranked AS (
    SELECT quiz_id, question_id, COUNT(*) AS answered, SUM(correct) AS right_answers,
           ROW_NUMBER() OVER (
               PARTITION BY quiz_id ORDER BY SUM(correct) * 1.0 / COUNT(*), question_id
           ) AS place
    FROM answers
    GROUP BY quiz_id, question_id
)
SELECT z.lesson_id, r.question_id, r.answered, r.right_answers
FROM ranked AS r
INNER JOIN courses_quiz AS z ON z.id = r.quiz_id
WHERE r.place <= {limit}
ORDER BY z.lesson_id, r.place
"""


@dataclass(frozen=True)
class HardQuestion:
    question_id: int
    prompt: str  # its first line; empty when the question was deleted since
    answered: int
    right: int

    @property
    def right_rate(self) -> Decimal | None:
        return percent(self.right, self.answered)


@dataclass(frozen=True)
class QuizFigures:
    """One quiz lesson's figures; `students` took it at least once."""

    lesson_id: int
    title: str
    attempts: int = 0
    students: int = 0
    passed: int = 0
    best_total: int = 0
    hardest: list[HardQuestion] = field(default_factory=list)

    @property
    def pass_rate(self) -> Decimal | None:
        """Students who passed (in any attempt) in percent of those who tried."""
        return percent(self.passed, self.students)

    @property
    def average_best(self) -> Decimal | None:
        """Each student's best score, averaged over the students."""
        return mean(self.best_total, self.students)


def _first_line(prompt: str | None) -> str:
    lines = (prompt or "").strip().splitlines()
    return lines[0][:PROMPT_LENGTH] if lines else ""


def _hardest_rows(*, course_id: int, version: str) -> list[tuple[int, int, int, int]]:
    """(lesson id, question id, answers, right answers) of each quiz's hardest
    questions. Unnesting every answer of every attempt is the page's costliest
    query (linear in the answers given), so its result is cached under the
    attempts it counted, per quiz their number and latest submission: a
    submitted attempt never changes, a new one is submitted last, and one
    deleted lowers the number."""
    key = "teaching:hardest:" + hashlib.blake2b(f"{course_id}|{version}".encode(), digest_size=20).hexdigest()
    rows = cache.get(key)
    if rows is None:
        connection = read_connection()
        with connection.cursor() as cursor:
            sql = HARDEST_SQL.format(answers=ANSWERS_SQL[connection.vendor], limit=HARDEST_QUESTIONS)
            cursor.execute(sql, {"course": course_id})
            rows = [
                (lesson, question, int(answered), int(right)) for lesson, question, answered, right in cursor
            ]
        cache.set(key, rows, HARDEST_CACHE_SECONDS)
    return rows


@dataclass(frozen=True)
class QuizCounts:
    """What the attempts of a course's quizzes came to when they were counted."""

    totals: dict[int, tuple[int, int, int, int]]  # lesson id -> attempts, students, passed, best total
    hardest: list[tuple[int, int, int, int]]  # (lesson id, question id, answers, right answers)


@replica_reads()
def quiz_counts(*, course_id: int) -> QuizCounts:
    """The attempts of the course's quizzes counted now: one query, and the
    hardest questions (a second, unless nothing was submitted since they were
    last counted)."""
    connection = read_connection()
    with connection.cursor() as cursor:
        cursor.execute(
            QUIZ_FIGURES_SQL.format(quizzes=QUIZ_FIGURES_FILTER[connection.vendor]), {"course": course_id}
        )
        rows = cursor.fetchall()
    totals = {lesson_id: tuple(int(n) for n in figures) for lesson_id, *figures, _ in rows}
    version = "|".join(f"{row[0]}:{row[1]}:{row[5]}" for row in sorted(rows))
    hardest = _hardest_rows(course_id=course_id, version=version) if rows else []
    return QuizCounts(totals=totals, hardest=hardest)


def quiz_counts_key(*, course_id: int, quiz_lesson_ids: list[int]) -> str:
    """Where `quiz_counts_cached` keeps the counts of these quizzes of the course."""
    digest = hashlib.blake2b(repr(sorted(quiz_lesson_ids)).encode(), digest_size=16).hexdigest()
    return f"teaching:counted-quizzes:{course_id}:{digest}"


def quiz_counts_cached(*, course_id: int, quiz_lesson_ids: list[int], now: datetime) -> Counted[QuizCounts]:
    """`quiz_counts`, made at most a minute ago (a quiz added to or taken out
    of the curriculum is a new count at once: the key names them)."""
    return counted(
        key=quiz_counts_key(course_id=course_id, quiz_lesson_ids=quiz_lesson_ids),
        now=now,
        count=lambda: quiz_counts(course_id=course_id),
    )


@replica_reads()
def quiz_figures(*, quiz_lessons: list[tuple[int, str]], counts: QuizCounts) -> list[QuizFigures]:
    """The figures of the quiz lessons `quiz_lessons` ((id, title) in curriculum
    order) of a course, from its `counts`: one query, the hardest questions'
    prompts as they are now (edited or deleted since)."""
    prompts = dict(
        Question.objects.filter(pk__in={row[1] for row in counts.hardest}).values_list("pk", "prompt")
    )
    hardest: dict[int, list[HardQuestion]] = {}
    for lesson_id, question_id, answered, right in counts.hardest:
        hardest.setdefault(lesson_id, []).append(
            HardQuestion(
                question_id=question_id,
                prompt=_first_line(prompts.get(question_id)),
                answered=answered,
                right=right,
            )
        )
    figures = []
    for lesson_id, title in quiz_lessons:
        attempts, students, passed, best_total = counts.totals.get(lesson_id, (0, 0, 0, 0))
        figures.append(
            QuizFigures(
                lesson_id=lesson_id,
                title=title,
                attempts=attempts,
                students=students,
                passed=passed,
                best_total=best_total,
                hardest=hardest.get(lesson_id, []),
            )
        )
    return figures
