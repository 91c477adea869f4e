"""`seed_bench` on tiny sizes: the reviews it seeds and the rating figures they
give, and a second run that seeds nothing. The reviews' spread on the real sizes
is a pure function of them (`reviews_planned`), checked without a database."""

from collections import Counter
from io import StringIO
from statistics import median

import pytest
from django.core.management import call_command
from django.utils import timezone

from community.models import CourseRating, Review
from demo import bench_data
from demo.management.commands import seed_bench
from enrollments.models import Enrollment

# 12 courses (9 small), 40 students, 200 enrollments, 20 reviews.
TINY = bench_data.Sizes(
    courses=12,
    big=(2, 2),
    typical=(2, 5),
    other=(1, 2),
    instructors=2,
    students=40,
    enrollments=200,
    typical_students=8,
    big_students=8,
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

    assert "reviews: seeding 20…" in first
    reviews = list(Review.objects.all())
    assert len(reviews) == TINY.reviews == 20
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
    assert "reviews: 20 already seeded" in second
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
