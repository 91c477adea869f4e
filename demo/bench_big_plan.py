"""The big course as the benchmark seeds it: how far each of its students gets,
when, how their quizzes go, and who paid for it. Pure functions of the sizes
and of `[big_course]` in demo/data/bench.toml, drawn with fixed seeds so that
every run (and every database) gets the same; `demo/bench_seed_big.py` writes
them. Times are seconds before the moment of seeding."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from demo.bench_data import BIG_COURSE, SIZES, STUDENT_ENROLLED, STUDENT_PROGRESS, Sizes

PROGRESS_SEED = 20_261_203
ANSWERS_SEED = 20_261_204
DAY = 86_400.0
# A stuck student's failed attempts come this far apart after their last lesson
# (every student's last lesson is at least two days old: see `big_students_planned`).
STUCK_ATTEMPT_GAP = 6 * 3600.0
ATTEMPT_MINUTES = 12 * 60.0  # from starting an attempt to sending it

_SHAPE = BIG_COURSE
_SALES = BIG_COURSE["sales"]


@dataclass(frozen=True)
class BigStudent:
    student: int
    lessons: int  # completed: the course's first ones, in curriculum order
    enrolled: float  # seconds before now
    span: float  # seconds from enrolling to the last lesson completed
    # Attempts at each quiz reached, in curriculum order: the last attempt of a
    # quiz passed passes (the others fail); at the quiz a student is stuck at
    # (the first lesson they did not complete) every attempt fails.
    tries: tuple[int, ...] = ()

    def lesson_ago(self, position: int) -> float:
        """When lesson `position` (0-based, < `lessons`) was completed."""
        return self.enrolled - self.span * (position + 1) / self.lessons


@dataclass(frozen=True)
class PlannedAttempt:
    student: int
    quiz: int  # the module's index: its quiz is the module's last lesson
    number: int  # 1, 2, 3
    passed: bool
    started: float  # seconds before now
    submitted: float


def lesson_count(sizes: Sizes) -> int:
    return sizes.big[0] * sizes.big[1]


def quiz_position(module: int, sizes: Sizes) -> int:
    """The position (0-based, in curriculum order) of module `module`'s quiz: its last lesson."""
    return module * sizes.big[1] + sizes.big[1] - 1


def is_stuck(plan: BigStudent, sizes: Sizes) -> bool:
    """Stopped at a quiz they failed: the first lesson not completed is a quiz."""
    return plan.lessons < lesson_count(sizes) and plan.lessons % sizes.big[1] == sizes.big[1] - 1


def _lessons_drawn(rng: random.Random, total: int, per_module: int) -> int:
    draw = rng.random()
    if draw < _SHAPE["never_started"]:
        return 0
    if draw < _SHAPE["never_started"] + _SHAPE["completed"]:
        return total
    mean = _SHAPE["early_mean"] if rng.random() < _SHAPE["early_share"] else _SHAPE["late_mean"]
    lessons = min(int(rng.expovariate(1 / (mean * total))) + 1, total - 1)
    if rng.random() < _SHAPE["stuck_at_quiz"]:
        lessons = min(lessons // per_module * per_module + per_module - 1, total - 1)
    return lessons


@cache
def big_students_planned(sizes: Sizes = SIZES) -> tuple[BigStudent, ...]:
    """Every student of the big course (students `big_first_student` onwards,
    as `enrollments_planned` enrolls them), in student order. The benchmark's
    STUDENT_ENROLLED completed nothing (its name says so); STUDENT_PROGRESS is
    half-way through."""
    rng = random.Random(PROGRESS_SEED)
    total, per_module = lesson_count(sizes), sizes.big[1]
    low, high = _SHAPE["enrolled_days"]
    slow, fast = _SHAPE["lessons_per_day"]
    planned = []
    for student in range(sizes.big_first_student, sizes.big_first_student + sizes.big_students):
        lessons = _lessons_drawn(rng, total, per_module)
        if student == STUDENT_ENROLLED:
            lessons = 0
        elif student == STUDENT_PROGRESS:
            lessons = total // 2
        enrolled = (low + (high - low) * rng.random() ** 1.5) * DAY
        # Studying `lessons / per_day` days, finished at least two days ago.
        span = min(lessons / rng.uniform(slow, fast) * DAY, enrolled - 2 * DAY)
        quizzes = lessons // per_module + (1 if lessons % per_module == per_module - 1 else 0)
        tries = tuple(rng.choices((1, 2, 3), _SHAPE["tries"])[0] for _ in range(quizzes))
        planned.append(BigStudent(student, lessons, enrolled, span, tries))
    return tuple(planned)


def attempts_planned(plan: BigStudent, sizes: Sizes = SIZES) -> Iterator[PlannedAttempt]:
    """The student's submitted attempts. A quiz passed is completed when its last
    attempt is sent (`quiz_attempt_submit`); the failed ones come between the
    lesson before it and then. A stuck student's come after their last lesson."""
    for module, tries in enumerate(plan.tries):
        position = quiz_position(module, sizes)
        passed = position < plan.lessons
        if passed:
            passed_at = plan.lesson_ago(position)
            before = plan.lesson_ago(position - 1) if position else plan.enrolled
            gap = (before - passed_at) / tries
            sent = [passed_at + gap * (tries - number) for number in range(1, tries + 1)]
        else:
            gap = STUCK_ATTEMPT_GAP
            sent = [plan.lesson_ago(plan.lessons - 1) - gap * number for number in range(1, tries + 1)]
        for number, submitted in enumerate(sent, start=1):
            yield PlannedAttempt(
                student=plan.student,
                quiz=module,
                number=number,
                passed=passed and number == tries,
                started=submitted + min(ATTEMPT_MINUTES, gap),  # after the attempt before it
                submitted=submitted,
            )


def last_activity_ago(plan: BigStudent, sizes: Sizes = SIZES) -> float | None:
    """When the student last marked a lesson or sent a quiz (None: never)."""
    if not plan.lessons:
        return None
    times = [plan.lesson_ago(plan.lessons - 1)]
    times += [attempt.submitted for attempt in attempts_planned(plan, sizes)]
    return min(times)


def progress_percent(lessons: int, total: int) -> int:
    """`learning.services.progress._percentages_store`'s rule: rounded down, at most 100."""
    return min(lessons * 100 // total, 100) if total else 0


class AnswerDrawer:
    """Which questions an attempt got right: each question has its own chance
    (some are hard), drawn again until the score falls on the planned side of
    the pass mark."""

    def __init__(self, pass_mark: int):
        self.rng = random.Random(ANSWERS_SEED)
        self.pass_mark = pass_mark

    @staticmethod
    @cache
    def _chances(quiz: int, questions: int, passed: bool) -> tuple[float, ...]:
        easy = (0.97 - 0.45 * ((order * 7 + quiz * 3) % 10) / 10 for order in range(questions))
        return tuple(chance if passed else chance * 0.7 for chance in easy)

    def right(self, quiz: int, questions: int, passed: bool) -> list[bool]:
        """Each question right or wrong (every question is worth one point)."""
        chances = self._chances(quiz, questions, passed)
        while True:
            right = [self.rng.random() < chance for chance in chances]
            if (sum(right) * 100 // questions >= self.pass_mark) == passed:
                return right


@dataclass(frozen=True)
class PlannedPurchase:
    number: int  # its place among the purchases: the Stripe ids are made from it
    student: int
    currency: str
    amount: Decimal
    created: float  # seconds before now
    paid: bool  # completed (at `created` plus a minute); else expired, or failed
    failed: bool = False
    refunded: Decimal = Decimal("0")  # taken back by refunds
    dispute_lost: bool = False

    @property
    def revoked(self) -> bool:
        """A full refund or a lost dispute took the access back."""
        return self.dispute_lost or (self.paid and self.refunded >= self.amount)


@cache
def purchases_planned(sizes: Sizes = SIZES) -> tuple[PlannedPurchase, ...]:
    """The big course's Checkout Sessions: every `buyer_every`-th student who
    enrolled since it went on sale paid (when they enrolled), with the refunds
    and the lost dispute of bench.toml; every `abandoned_every`-th student not
    in the course started a checkout and left it."""
    sold_since = _SALES["sold_days"] * DAY
    buyers = [
        plan
        for plan in big_students_planned(sizes)
        if plan.enrolled < sold_since
        and plan.student % _SALES["buyer_every"] == 0
        and plan.student not in (STUDENT_ENROLLED, STUDENT_PROGRESS)
    ]
    purchases = []
    for index, plan in enumerate(buyers):
        other = index % _SALES["other_currency_every"] == _SALES["other_currency_every"] - 1
        amount = Decimal(_SALES["other_price" if other else "price"])
        place = index % _SALES["refund_modulo"]
        refunded = Decimal("0")
        if place == _SALES["partial_refund_at"]:
            refunded = (amount * Decimal(_SALES["partial_refund"])).quantize(Decimal("0.01"))
        elif place == _SALES["full_refund_at"]:
            refunded = amount
        purchases.append(
            PlannedPurchase(
                number=index,
                student=plan.student,
                currency=_SALES["other_currency" if other else "currency"],
                amount=amount,
                created=plan.enrolled + 60,
                paid=True,
                refunded=refunded,
                dispute_lost=index == _SALES["dispute_lost_at"] and not refunded,
            )
        )
    outside = [
        student
        for student in range(sizes.students)
        if not sizes.big_first_student <= student < sizes.big_first_student + sizes.big_students
    ]
    for index, student in enumerate(outside[:: _SALES["abandoned_every"]]):
        purchases.append(
            PlannedPurchase(
                number=len(buyers) + index,
                student=student,
                currency=_SALES["currency"],
                amount=Decimal(_SALES["price"]),
                created=sold_since * (index + 0.5) / len(outside[:: _SALES["abandoned_every"]]),
                paid=False,
                failed=index % _SALES["failed_every"] == 0,
            )
        )
    return tuple(purchases)
