"""Data for the dashboard and analytics tests: a course built by hand whose
every figure is worked out in the tests, and many students made in bulk for
the query counts."""

import time
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from community.models import Review
from community.services import course_rating_refresh
from enrollments.models import Enrollment
from learning.models import LessonProgress, QuizAttempt
from lms.models import User
from payments.models import Purchase
from tests.factories import (
    PASSWORD,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    ModuleFactory,
    PurchaseFactory,
    UserFactory,
)
from tests.learning.factories import QuizFactory, question_with_choices

Status = Purchase.Status
Dispute = Purchase.DisputeStatus


def quiz_answers(questions, rights) -> list[dict]:
    """An attempt's `answers` snapshot: question i answered right when rights[i]."""
    return [
        {"question": q.pk, "choices": [], "correct": right, "points": int(right), "out_of": 1}
        for q, right in zip(questions, rights, strict=True)
    ]


def attempt(user, quiz, number, questions, rights, *, passed, submitted=True) -> QuizAttempt:
    right = sum(rights)
    now = timezone.now()
    return QuizAttempt.objects.create(
        user=user,
        quiz=quiz,
        attempt_number=number,
        started_at=now,
        submitted_at=now if submitted else None,
        score=right * 100 // len(rights) if submitted else None,
        passed=passed,
        question_order=[q.pk for q in questions],
        answers=quiz_answers(questions, rights) if submitted else [],
    )


def paid(course, amount, currency="usd", *, refunded="0", status=Status.COMPLETE, dispute="", at=None):
    return PurchaseFactory(
        course=course,
        amount=Decimal(amount),
        currency=currency,
        status=status,
        amount_refunded=Decimal(refunded),
        dispute_status=dispute,
        completed_at=at or timezone.now(),
    )


@pytest.fixture
def taught(instructor):
    """A published usd course of four lessons (the second a quiz of four
    questions, pass mark 60) taught by `instructor`."""
    course = CourseFactory(
        instructor=instructor, title="Postgres at Scale", slug="postgres-at-scale", price=Decimal("100")
    )
    first = ModuleFactory(course=course, order=0, title="Basics")
    second = ModuleFactory(course=course, order=1, title="Going further")
    reading = LessonFactory(module=first, order=0, title="Reading plans")
    quiz = QuizFactory(lesson__module=first, lesson__order=1, lesson__title="Check your plans", pass_mark=60)
    indexes = LessonFactory(module=second, order=0, title="Indexes")
    vacuum = LessonFactory(module=second, order=1, title="Vacuum")
    questions = [
        question_with_choices(quiz, prompt=f"{name}\nMore detail", order=i)[0]
        for i, name in enumerate(
            ["Seq scan or index?", "What is a CTE?", "When does VACUUM run?", "Easy one"]
        )
    ]
    return SimpleNamespace(
        course=course,
        lessons=[reading, quiz.lesson, indexes, vacuum],
        quiz=quiz,
        questions=questions,
    )


@pytest.fixture
def figures(taught):
    """The hand-built data set of tests/teaching/test_analytics_csv.py (see there
    for every figure worked out). Students s1..s8."""
    course, lessons, quiz, questions = taught.course, taught.lessons, taught.quiz, taught.questions
    now = timezone.now()
    s = {n: UserFactory(email=f"s{n}@example.com", first_name=f"S{n}") for n in range(1, 9)}
    active = Enrollment.Status.ACTIVE
    revoked = Enrollment.Status.REVOKED
    for n, status, progress, completed in [
        (1, active, 100, True),
        (2, active, 100, True),
        (3, active, 50, False),
        (4, active, 33, False),
        (5, active, 0, False),
        (8, active, 0, False),
        (6, revoked, 75, False),
        (7, revoked, 100, True),  # completed, then refunded: counted as revoked
    ]:
        EnrollmentFactory(
            user=s[n],
            course=course,
            status=status,
            progress_percent=progress,
            completed_at=now if completed else None,
        )

    # Lessons completed (s6 is revoked and does not count; s4 un-marked the quiz lesson).
    reading, quiz_lesson, indexes, vacuum = lessons
    done = {reading: [1, 2, 3, 4, 6], quiz_lesson: [1, 2, 6], indexes: [1, 2, 3], vacuum: [1, 2]}
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(user=s[n], lesson=lesson, completed_at=now)
            for lesson, ns in done.items()
            for n in ns
        ]
        + [LessonProgress(user=s[4], lesson=quiz_lesson, completed_at=None)]
    )

    # Quiz attempts: answers to (q1, q2, q3, q4).
    attempt(s[1], quiz, 1, questions, [True, False, False, True], passed=False)  # 50
    attempt(s[1], quiz, 2, questions, [True, True, False, True], passed=True)  # 75
    attempt(s[2], quiz, 1, questions, [True, True, True, True], passed=True)  # 100
    attempt(s[3], quiz, 1, questions, [False, False, False, False], passed=False)  # 0
    attempt(s[4], quiz, 1, questions, [False, False, False, False], passed=False, submitted=False)

    # Purchases: usd (the course's currency) and eur.
    paid(course, "100.00")
    paid(course, "80.00", refunded="30.00")  # partial refund
    paid(course, "49.99", refunded="49.99", status=Status.REFUNDED)  # full refund
    paid(course, "120.00", dispute=Dispute.LOST)  # lost dispute, nothing refunded before
    paid(course, "100.00", dispute=Dispute.WON)  # won dispute: a sale like any other
    paid(course, "60.00", refunded="20.00", dispute=Dispute.LOST)  # refunded in part, then lost
    paid(course, "90.00", "eur", refunded="10.50")
    paid(course, "45.00", "eur")
    PurchaseFactory(course=course, amount=Decimal("100.00"), status=Status.PENDING)
    PurchaseFactory(course=course, amount=Decimal("100.00"), status=Status.EXPIRED)
    PurchaseFactory(course=course, amount=Decimal("90.00"), currency="eur", status=Status.FAILED)
    # Another course's sale counts nowhere here.
    paid(CourseFactory(instructor=course.instructor, price=Decimal("10")), "10.00")

    # Reviews: three that count (5, 4, 4) and one by a revoked student (not counted).
    for n, stars in [(1, 5), (2, 4), (3, 4), (6, 1)]:
        Review.objects.create(user=s[n], course=course, rating=stars)
    course_rating_refresh(course_id=course.pk)
    return SimpleNamespace(**vars(taught), students=s)


def students_in_bulk(course, count: int, *, quiz=None, questions=(), lessons=()) -> list[User]:
    """`count` active students of `course`, each with a completed lesson of
    `lessons`, a quiz attempt and a paid purchase: made in a few INSERTs."""
    start = User.objects.count()
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(email=f"bulk{start + i}@example.com", password=password) for i in range(count)
    )
    purchases = Purchase.objects.bulk_create(
        Purchase(
            user=user,
            course=course,
            amount=Decimal("100.00"),
            currency="usd",
            stripe_session_id=f"cs_bulk_{course.pk}_{user.pk}",
            status=Status.COMPLETE,
            completed_at=timezone.now() - timedelta(days=i % 40),
        )
        for i, user in enumerate(users)
    )
    Enrollment.objects.bulk_create(
        Enrollment(user=user, course=course, purchase=purchase, progress_percent=i % 101)
        for i, (user, purchase) in enumerate(zip(users, purchases, strict=True))
    )
    LessonProgress.objects.bulk_create(
        LessonProgress(user=user, lesson=lessons[i % len(lessons)], completed_at=timezone.now())
        for i, user in enumerate(users)
        if lessons
    )
    if quiz is not None:
        QuizAttempt.objects.bulk_create(
            QuizAttempt(
                user=user,
                quiz=quiz,
                attempt_number=1,
                started_at=timezone.now(),
                submitted_at=timezone.now(),
                score=50,
                passed=i % 2 == 0,
                answers=quiz_answers(questions, [i % 2 == 0] * len(questions)),
            )
            for i, user in enumerate(users)
        )
    return users


@pytest.fixture
def many_students():
    return students_in_bulk


@pytest.fixture
def a_minute_later(monkeypatch):
    """Call it to move the logged-in page cache's clock on past
    COUNTS_CACHE_SECONDS: a teaching page kept for its viewer is drawn again
    (the test deletes the counted figures it wants counted again)."""
    from lms import user_page_cache
    from teaching.selectors.counted import COUNTS_CACHE_SECONDS

    shift = 0.0

    def later() -> None:
        nonlocal shift
        shift += COUNTS_CACHE_SECONDS + 1
        monkeypatch.setattr(user_page_cache, "_now", lambda: time.time() + shift)

    return later
