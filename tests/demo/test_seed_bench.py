"""`seed_bench` on tiny sizes: the reviews it seeds and the rating figures they
give, the big course as the services would have left it, and a second run that
seeds nothing. The reviews' spread and the big course's funnel and sales on the
real sizes are pure functions of them (`reviews_planned`, demo/bench_big_plan.py),
checked without a database."""

from collections import Counter, defaultdict
from io import StringIO
from itertools import pairwise
from statistics import median

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from django.utils import timezone

from community.models import CourseRating, Review
from courses.models import Course, Lesson
from demo import bench_big_plan as big_plan
from demo import bench_data
from demo.management.commands import seed_bench
from enrollments.models import Enrollment
from learning.models import Certificate, LessonProgress, QuizAttempt
from learning.services.progress import course_progress_refresh
from lms.models import User
from notifications.models import Notification
from payments.models import Refund
from teaching.selectors.revenue import course_sales_get

# 12 courses (9 small), 300 students, 1,000 enrollments, 100 reviews; a big course
# of 3 modules x 4 lessons (the last a quiz) taken by 250 students.
TINY = bench_data.Sizes(
    courses=12,
    big=(3, 4),
    typical=(2, 5),
    other=(1, 2),
    instructors=2,
    students=300,
    enrollments=1_000,
    typical_students=8,
    big_students=250,
    questions_per_quiz=2,
)


def seed(monkeypatch) -> str:
    monkeypatch.setattr(seed_bench, "SIZES", TINY)
    out = StringIO()
    call_command("seed_bench", stdout=out)
    return out.getvalue()


def review_values() -> list[dict]:
    return list(Review.objects.order_by("pk").values())


@pytest.mark.django_db(transaction=True)  # seed_bench ends with VACUUM, outside any transaction
def test_reviews_are_seeded_once_by_enrolled_students_with_the_figures_the_site_keeps(monkeypatch):
    first = seed(monkeypatch)

    assert "reviews: seeding 100…" in first
    reviews = list(Review.objects.all())
    assert len(reviews) == TINY.reviews == 100
    active = set(Enrollment.objects.active().values_list("user_id", "course_id"))
    assert all((review.user_id, review.course_id) in active for review in reviews)
    now = timezone.now()
    assert all(review.created_at <= now for review in reviews)
    assert len({review.created_at for review in reviews}) > 1  # spread, not all stamped at once
    assert all(review.replied_at >= review.created_at for review in reviews if review.reply)
    # Figures for every course, equal to the counted reviews (not hidden; authors active).
    assert CourseRating.objects.count() == TINY.courses
    for rating in CourseRating.objects.all():
        counted = [r.rating for r in reviews if r.course_id == rating.course_id and r.hidden_at is None]
        stars = Counter(counted)
        assert rating.count == len(counted)
        assert [getattr(rating, f"stars_{n}") for n in range(1, 6)] == [stars[n] for n in range(1, 6)]
        if counted:
            assert float(rating.average) == pytest.approx(sum(counted) / len(counted), abs=0.005)
        else:
            assert rating.average is None

    values = review_values()
    second = seed(monkeypatch)
    assert "reviews: 100 already seeded" in second
    assert "nothing changed" in second
    assert review_values() == values


def test_the_benchmark_reviews_are_spread_over_the_courses_the_same_way_every_time():
    planned = bench_data.reviews_planned()

    assert len(planned) == bench_data.SIZES.reviews == 10_000
    assert planned == bench_data.reviews_planned()
    assert len({(review.student, review.course) for review in planned}) == len(planned)
    per_course = Counter(review.course for review in planned)
    counts = [per_course[slug] for slug, *_ in bench_data.course_specs()]
    assert per_course[bench_data.TYPICAL_SLUG] >= 300
    assert per_course[bench_data.BIG_SLUG] >= 300
    assert sum(1 for count in counts if count) >= 0.9 * len(counts)
    assert 20 <= median(counts) <= 60
    stars = Counter(review.rating for review in planned)
    assert stars[4] + stars[5] >= 0.7 * len(planned)
    assert all(stars[n] for n in (1, 2, 3))
    assert 0 < sum(1 for review in planned if review.hidden_reason) <= 0.02 * len(planned)
    assert 0 < sum(1 for review in planned if review.reply) <= 0.3 * len(planned)


def test_the_big_course_has_a_million_progress_rows_a_funnel_and_sales_in_two_currencies():
    students = big_plan.big_students_planned()
    lessons, per_module = 1_000, 20

    assert len(students) == bench_data.SIZES.big_students == 5_000
    assert sum(student.lessons for student in students) >= 1_000_000
    # Every module loses students; most complete the first lessons, about a tenth all.
    reached = [sum(student.lessons > module * per_module for student in students) for module in range(50)]
    assert all(later < earlier for earlier, later in pairwise(reached))
    assert reached[0] >= 0.9 * len(students) > 0.5 * len(students) >= reached[5]
    assert (
        0.05 * len(students) <= sum(student.lessons == lessons for student in students) <= 0.2 * len(students)
    )
    assert sum(big_plan.is_stuck(student, bench_data.SIZES) for student in students) >= 0.1 * len(students)

    purchases = big_plan.purchases_planned()
    paid = [purchase for purchase in purchases if purchase.paid]
    assert 200 <= len(paid) <= 1_000
    assert {purchase.currency for purchase in paid} == {"usd", "eur"}
    partial = [p for p in paid if 0 < p.refunded < p.amount]
    full = [p for p in paid if p.refunded == p.amount]
    assert {p.currency for p in partial} == {p.currency for p in full} == {"usd", "eur"}
    assert sum(purchase.dispute_lost for purchase in purchases) == 1
    assert any(not purchase.paid for purchase in purchases)
    assert purchases == big_plan.purchases_planned()


def table_schema() -> dict[str, dict]:
    """The constraints and indexes of the tables the big course is COPYed into."""
    with connection.cursor() as cursor:
        return {
            table: connection.introspection.get_constraints(cursor, table)
            for table in (LessonProgress._meta.db_table, QuizAttempt._meta.db_table)
        }


def big_course_values() -> dict[str, list[dict]]:
    course = Course.objects.get(slug=bench_data.BIG_SLUG)
    return {
        # All but the curriculum revision the percentages were computed for.
        "enrollments": list(
            Enrollment.objects.filter(course=course)
            .order_by("pk")
            .values(*(f.attname for f in Enrollment._meta.concrete_fields if f.name != "progress_revision"))
        ),
        "certificates": list(Certificate.objects.filter(enrollment__course=course).order_by("pk").values()),
    }


@pytest.mark.django_db(transaction=True)
def test_the_big_course_is_seeded_as_the_services_would_have_left_it(monkeypatch):
    schema = table_schema()
    seed(monkeypatch)
    assert table_schema() == schema  # the indexes and foreign keys dropped for the COPY are back
    course = Course.objects.select_related("instructor").get(slug=bench_data.BIG_SLUG)
    planned = big_plan.big_students_planned(TINY)
    users = {
        int(email[7:12]): pk
        for pk, email in User.objects.filter(email__startswith="student").values_list("pk", "email")
    }
    lessons = list(
        Lesson.objects.filter(module__course=course).in_curriculum_order().values_list("pk", "kind")
    )
    assert [kind for _, kind in lessons].count(Lesson.Kind.QUIZ) == TINY.big[0]

    # Each student completed the first lessons of the curriculum, in order, before now.
    completed: dict[int, list[int]] = defaultdict(list)
    progress = LessonProgress.objects.filter(lesson__module__course=course).order_by("completed_at")
    for user_id, lesson_id, at in progress.values_list("user_id", "lesson_id", "completed_at"):
        assert at < timezone.now()
        completed[user_id].append(lesson_id)
    assert {
        users[s.student]: [pk for pk, _ in lessons[: s.lessons]] for s in planned if s.lessons
    } == completed
    assert any(s.lessons == len(lessons) for s in planned) and any(
        big_plan.is_stuck(s, TINY) for s in planned
    )

    # A quiz lesson is completed when its one passing attempt is sent; scores follow the answers.
    attempts = list(QuizAttempt.objects.filter(quiz__lesson__module__course=course).select_related("quiz"))
    assert len(attempts) == sum(sum(s.tries) for s in planned)
    passed = {(a.user_id, a.quiz.lesson_id): a.submitted_at for a in attempts if a.passed}
    quiz_done = {
        (user_id, lesson_id): at
        for user_id, lesson_id, at in progress.filter(lesson__kind=Lesson.Kind.QUIZ).values_list(
            "user_id", "lesson_id", "completed_at"
        )
    }
    assert passed == quiz_done
    for attempt in attempts:
        right = sum(answer["correct"] for answer in attempt.answers)
        assert attempt.score == right * 100 // len(attempt.answers)
        assert attempt.passed == (attempt.score >= attempt.quiz.pass_mark)
        assert (
            attempt.started_at <= attempt.submitted_at and attempt.attempt_number <= attempt.quiz.max_attempts
        )

    # The percentages, completions and certificates are what the services compute.
    values = big_course_values()
    assert len(values["certificates"]) == sum(s.lessons == len(lessons) for s in planned)
    # Make every stored percentage stale (a new curriculum revision), recompute them all.
    Course.objects.filter(pk=course.pk).update(curriculum_revision=F("curriculum_revision") + 1)
    assert course_progress_refresh(course_ids=[course.pk]) == Enrollment.objects.filter(course=course).count()
    assert big_course_values() == values
    assert not Notification.objects.filter(kind=Notification.Kind.COMPLETED).exists()
    # Last activity: the latest lesson marked or attempt sent.
    for enrollment in Enrollment.objects.filter(course=course):
        times = [a.submitted_at for a in attempts if a.user_id == enrollment.user_id]
        times += list(progress.filter(user_id=enrollment.user_id).values_list("completed_at", flat=True))
        assert enrollment.last_activity_at == max(times, default=None)
        assert enrollment.last_activity_at is None or enrollment.enrolled_at < enrollment.last_activity_at

    # Sales: gross and refunded per currency as the analytics page counts them.
    purchases = big_plan.purchases_planned(TINY)
    sales = course_sales_get(course=course)
    for money in sales.by_currency:
        paid = [p for p in purchases if p.paid and p.currency == money.currency]
        assert money.gross == sum(p.amount for p in paid)
        assert money.refunded == sum(p.amount if p.dispute_lost else p.refunded for p in paid)
    assert {money.currency for money in sales.by_currency} == {"usd", "eur"}
    revoked = Enrollment.objects.filter(course=course, status=Enrollment.Status.REVOKED)
    assert revoked.count() == sum(p.revoked for p in purchases) >= 2
    assert Refund.objects.filter(purchase__course=course).count() == sum(bool(p.refunded) for p in purchases)

    # Its teaching pages answer, for its instructor and for the bench superuser.
    client = Client()
    client.force_login(course.instructor)
    for path in ("/teach/", f"/teach/courses/{course.slug}/", f"/teach/courses/{course.slug}/students/"):
        assert client.get(path).status_code == 200, path
    export = b"".join(client.get(f"/teach/courses/{course.slug}/students.csv").streaming_content)
    assert export.count(b"\n") == 1 + TINY.big_students
    client.force_login(User.objects.get(email=bench_data.SUPERUSER_EMAIL))
    assert client.get("/teach/").status_code == 200

    out = seed(monkeypatch)
    assert "big course progress: " in out and "nothing changed" in out
    assert big_course_values() == values

    # --reset deletes every bench row (refunds before the purchases they protect) and seeds again.
    call_command("seed_bench", "--reset", stdout=StringIO())
    assert Refund.objects.count() == sum(bool(p.refunded) for p in purchases)
    assert len(big_course_values()["certificates"]) == len(values["certificates"])
