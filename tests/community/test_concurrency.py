"""One review per student and one certificate per enrollment, under real
concurrency on PostgreSQL (several threads, each with its own connection)."""

import pytest
from django.db import connection
from django.test import Client

from community.models import CourseRating, Review
from courses.models import Lesson
from learning.models import Certificate
from learning.services.progress import lesson_complete
from tests.community.conftest import reviews_url, student_at
from tests.factories import EnrollmentFactory, course_with_curriculum
from tests.learning.test_concurrency import run_together

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (select_for_update is a no-op on SQLite); "
        "run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_a_double_submit_and_two_tabs_give_one_review():
    course = course_with_curriculum(modules=2, lessons_per_module=5)
    student = student_at(course, 30).user

    def submit(i):
        client = Client()
        client.force_login(student)
        return client.post(reviews_url(course), {"rating": 1 + i % 5, "body": f"Tab {i}"}).status_code

    statuses = run_together(submit)

    assert statuses == [302] * len(statuses)
    assert Review.objects.filter(user=student, course=course).count() == 1
    rating = CourseRating.objects.get(course=course)
    assert rating.count == 1 and rating.average == Review.objects.get().rating


def test_figures_stay_right_when_many_students_review_at_once():
    course = course_with_curriculum(modules=2, lessons_per_module=5)
    students = [student_at(course, 20).user for _ in range(8)]

    def submit(i):
        client = Client()
        client.force_login(students[i])
        return client.post(reviews_url(course), {"rating": 1 + i % 5, "body": ""}).status_code

    assert run_together(submit) == [302] * 8
    rating = CourseRating.objects.get(course=course)
    ratings = sorted(Review.objects.values_list("rating", flat=True))
    assert rating.count == 8 == len(ratings)
    assert [rating.stars_1, rating.stars_2, rating.stars_3, rating.stars_4, rating.stars_5] == [2, 2, 2, 1, 1]
    assert float(rating.average) == pytest.approx(sum(ratings) / 8, abs=0.005)


def test_one_certificate_when_the_last_lessons_are_completed_at_once():
    course = course_with_curriculum(modules=1, lessons_per_module=8)
    enrollment = EnrollmentFactory(course=course)
    lessons = list(Lesson.objects.filter(module__course=course).in_curriculum_order())

    # Every lesson at the same moment, twice over (two tabs): exactly one reaches 100 %.
    run_together(lambda i: lesson_complete(user=enrollment.user, lesson=lessons[i % 8]), count=16)

    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 100
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1
