"""The teaching dashboard's newest reviews (teaching/selectors/dashboard.py,
`reviews_newest`): those that count, their total following every change at
once, and found behind many newer reviews that do not count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Review
from community.services import course_rating_refresh, review_hide, review_save
from enrollments.models import Enrollment
from enrollments.services import enrollment_revoke
from tests.factories import EnrollmentFactory
from tests.own_pages import own_pages_renewed

pytestmark = pytest.mark.django_db

DASHBOARD = "/teach/"


def test_the_reviews_total_follows_every_change_at_once(client, instructor, figures):
    course, students = figures.course, figures.students
    client.force_login(instructor)
    assert client.get(DASHBOARD).context["board"].reviews.total == 3

    review_save(user=students[4], course=course, rating=2, body="Too fast for me.")
    assert client.get(DASHBOARD).context["board"].reviews.total == 4
    review_hide(review=Review.objects.get(user=students[1], course=course), by=instructor, reason="Spam")
    assert client.get(DASHBOARD).context["board"].reviews.total == 3
    enrollment_revoke(enrollment=Enrollment.objects.get(user=students[2], course=course))
    board = client.get(DASHBOARD).context["board"]
    assert board.reviews.total == 2  # s3's and s4's
    assert sorted(r.user_id for r in board.reviews.items) == sorted([students[3].pk, students[4].pk])


def test_the_newest_reviews_that_count_are_found_behind_many_newer_that_do_not(
    client, instructor, taught, monkeypatch
):
    """The newest reviews are checked first (REVIEW_CANDIDATES of them); when too few of
    those count, every review is: an older review that counts is still listed."""
    from teaching.selectors import dashboard

    monkeypatch.setattr(dashboard, "REVIEW_CANDIDATES", 5)
    course = taught.course
    counted = [EnrollmentFactory(course=course).user for _ in range(2)]
    for student in counted:
        Review.objects.create(user=student, course=course, rating=5)
    for _ in range(5):  # newer, hidden by staff
        Review.objects.create(
            user=EnrollmentFactory(course=course).user, course=course, rating=1, hidden_at=timezone.now()
        )
    course_rating_refresh(course_id=course.pk)
    client.force_login(instructor)
    with CaptureQueriesContext(connection) as queries:
        board = client.get(DASHBOARD).context["board"]
    assert _review_reads(queries) == 2  # the newest five held none that counts: then all are read
    assert board.reviews.total == 2
    assert sorted(review.user_id for review in board.reviews.items) == sorted(s.pk for s in counted)

    # Five newer that count: the newest checked first are enough.
    newest = [
        Review.objects.create(user=EnrollmentFactory(course=course).user, course=course, rating=4)
        for _ in range(5)
    ]
    course_rating_refresh(course_id=course.pk)
    own_pages_renewed(instructor)
    with CaptureQueriesContext(connection) as queries:
        board = client.get(DASHBOARD).context["board"]
    assert _review_reads(queries) == 1
    assert board.reviews.total == 7 and board.reviews.items == newest[::-1]


def _review_reads(queries) -> int:
    return sum(query["sql"].startswith('SELECT "community_review"') for query in queries.captured_queries)
