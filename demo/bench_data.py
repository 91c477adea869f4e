"""The benchmark data set's shape: its sizes, natural keys, the students the
benchmark logs in as, and the texts and names it uses (`demo/data/bench.toml`).

`seed_bench` writes it and `bench/` reads it through that command's module,
which re-exports every name here."""

from __future__ import annotations

import os
import random
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.management.base import CommandError

BENCH_DOMAIN = "bench.doctrina.invalid"
SLUG_PREFIX = "bench-"
BIG_SLUG = "bench-big-course"
TYPICAL_SLUG = "bench-typical-course"
# Published and paid, with no seeded enrollment: the webhook benchmark sells it.
PAID_SLUG = "bench-paid-course"
# Seeded by bench/curriculum_change.py, not by seed_bench (whose counts leave it out).
CURRICULUM_SLUG = "bench-curriculum-course"
STUDENT_PASSWORD = "bench-student-password"  # noqa: S105 - seeded accounts only
# Sees every course's teaching pages (the benchmark logs in as it); same password.
SUPERUSER_EMAIL = f"admin@{BENCH_DOMAIN}"


@dataclass(frozen=True)
class Sizes:
    courses: int = 200  # all published; the big, typical and paid courses included
    big: tuple[int, int] = (50, 20)  # modules x lessons per module
    typical: tuple[int, int] = (20, 10)
    other: tuple[int, int] = (4, 6)
    instructors: int = 20
    students: int = 10_000
    enrollments: int = 100_000
    typical_students: int = 5_000  # students 0 .. 4,999
    big_students: int = 5_000  # students 2,500 .. 7,499: half of them also take the typical course
    questions_per_quiz: int = 10

    @property
    def other_courses(self) -> int:
        return self.courses - 3

    @property
    def big_first_student(self) -> int:
        return self.typical_students // 2

    @property
    def reviews(self) -> int:
        return self.enrollments // 10

    @property
    def lessons(self) -> int:
        # The paid course has the small courses' size.
        small = (self.other_courses + 1) * self.other[0] * self.other[1]
        return self.big[0] * self.big[1] + self.typical[0] * self.typical[1] + small

    def scaled(self, scale: int) -> Sizes:
        """`scale` times the catalogue, the students and the enrollments
        (`make bench BENCH_SCALE=10`: 2,000 courses, 100,000 students, 1,000,000
        enrollments); the big and typical courses keep their students, so each
        page shows the same things over ten times the rows."""
        return replace(
            self,
            courses=self.courses * scale,
            instructors=self.instructors * scale,
            students=self.students * scale,
            enrollments=self.enrollments * scale,
        )


SCALE = max(1, int(os.environ.get("BENCH_SCALE", "1")))
SIZES = Sizes().scaled(SCALE)

# Students the benchmark logs in as. Both take the typical and the big course
# and nine others (eleven enrollments).
STUDENT_ENROLLED = 2_501  # no lesson completed
STUDENT_PROGRESS = 3_000  # half of the typical course completed
PROGRESS_STUDENT_COMPLETED = 100


def student_email(index: int) -> str:
    return f"student{index:05d}@{BENCH_DOMAIN}"


def instructor_email(index: int) -> str:
    return f"instructor{index:02d}@{BENCH_DOMAIN}"


def other_course_slug(index: int) -> str:
    return f"{SLUG_PREFIX}course-{index:03d}"


def course_specs(sizes: Sizes = SIZES) -> list[tuple[str, str, Decimal, tuple[int, int]]]:
    """(slug, title, price, (modules, lessons per module)) of every bench course, in
    the order they are created: the big, typical and paid courses, then the small ones."""
    specs = [
        (BIG_SLUG, "The Complete Web Developer Bootcamp", Decimal(BIG_COURSE["sales"]["price"]), sizes.big),
        (TYPICAL_SLUG, "Django from First Model to Production", Decimal("0"), sizes.typical),
        (PAID_SLUG, "PostgreSQL Performance in Practice", Decimal("49.00"), sizes.other),
    ]
    for index in range(sizes.other_courses):
        price = Decimal("0") if index % 3 == 0 else Decimal(19 + (index % 5) * 10)
        specs.append((other_course_slug(index), f"Practical topic {index:03d}", price, sizes.other))
    return specs


def typical_lessons_completed(student: int) -> int:
    """How many lessons of the typical course (the first ones, in curriculum
    order) a student of that course has completed."""
    if student == STUDENT_ENROLLED:
        return 0
    if student == STUDENT_PROGRESS:
        return PROGRESS_STUDENT_COMPLETED
    return student % 41


def other_courses_of(student: int, *, sizes: Sizes = SIZES) -> list[int]:
    """Indexes (0-based, among the small courses) of the small courses a student
    takes, so that the enrollments add up to `sizes.enrollments`. A step coprime
    with the number of small courses gives distinct courses for each student."""
    core = sizes.typical_students + sizes.big_students
    per_student, extra = divmod(sizes.enrollments - core, sizes.students)
    count = per_student + (1 if student < extra else 0)
    if count > sizes.other_courses:
        raise CommandError("More enrollments per student than there are courses.")
    return [(student * 7 + j * 23) % sizes.other_courses for j in range(count)]


def enrollments_planned(sizes: Sizes = SIZES) -> Iterator[tuple[int, str, int]]:
    """(student index, course slug, progress percent) of every seeded enrollment."""
    typical_lessons = sizes.typical[0] * sizes.typical[1]
    big_end = sizes.big_first_student + sizes.big_students
    for student in range(sizes.students):
        if student < sizes.typical_students:
            yield student, TYPICAL_SLUG, typical_lessons_completed(student) * 100 // typical_lessons
        if sizes.big_first_student <= student < big_end:
            yield student, BIG_SLUG, 0
        for index in other_courses_of(student, sizes=sizes):
            yield student, other_course_slug(index), 0


_TEXTS = tomllib.loads((Path(__file__).resolve().parent / "data" / "bench.toml").read_text(encoding="utf-8"))
LESSON_TEXT: str = _TEXTS["lesson_text"]
COURSE_DESCRIPTION: str = _TEXTS["course_description"]
FIRST_NAMES: list[str] = _TEXTS["first_names"]
LAST_NAMES: list[str] = _TEXTS["last_names"]
QUIZ_TEXTS: dict = _TEXTS["quiz"]  # choices: question kind -> [text, correct] pairs
BIG_COURSE: dict = _TEXTS["big_course"]  # its students' progress and its sales (demo/bench_big_plan.py)
_REVIEWS = _TEXTS["reviews"]

# Reviews: one from a tenth of the enrollments, drawn with a fixed seed so that every
# run (and every database) gets the same ones.
REVIEW_SEED = 20_261_202
REVIEW_DAYS = 540  # written over the last year and a half
# The chance of 1..5 stars for a course of quality 0 and of quality 1 (a course's
# quality is drawn between the two): mostly 4 and 5 stars, some lower.
_STARS_WORST = (0.06, 0.05, 0.14, 0.35, 0.40)
_STARS_BEST = (0.02, 0.02, 0.06, 0.30, 0.60)


@dataclass(frozen=True)
class PlannedReview:
    student: int
    course: str  # slug
    rating: int
    body: str
    age: timedelta  # how long ago it was written, in whole days
    reply: str  # the instructor's answer; "" for none
    reply_after: timedelta  # how long after the review the answer came (at most its age)
    hidden_reason: str  # "" unless staff hid it


def _review_share(index: int, slug: str, rng: random.Random) -> float:
    """How readily the students of the course `course_specs` lists at `index`
    review it (a weight): the big and typical courses 1, one small course in 25
    never reviewed, another in 25 once or twice, the others 0.2 to 2 at random."""
    if slug in (BIG_SLUG, TYPICAL_SLUG):
        return 1.0
    if index % 25 in (0, 1):
        return 0.03 * (index % 25)
    return 0.2 + 1.8 * rng.random() ** 2


def _review_body(rng: random.Random, rating: int) -> str:
    texts = _REVIEWS["positive" if rating >= 4 else "mixed" if rating == 3 else "negative"]
    body = " ".join(rng.sample(texts["sentences"], rng.randint(2, 4)))
    if rng.random() < 0.3:
        body += "\n\n" + rng.choice(texts["details"])
    return body


def reviews_planned(sizes: Sizes = SIZES) -> list[PlannedReview]:
    """`sizes.reviews` reviews of the seeded enrollments, at most one per
    enrollment, shared out over the courses in proportion to their students
    times `_review_share` (largest remainders, so the total is exact)."""
    rng = random.Random(REVIEW_SEED)
    students: dict[str, list[int]] = {}
    for student, slug, _ in enrollments_planned(sizes):
        students.setdefault(slug, []).append(student)
    weights = {
        slug: len(students[slug]) * _review_share(index, slug, rng)
        for index, (slug, *_) in enumerate(course_specs(sizes))
        if slug in students
    }
    exact = {slug: sizes.reviews * weight / sum(weights.values()) for slug, weight in weights.items()}
    quotas = {slug: int(value) for slug, value in exact.items()}
    short = sizes.reviews - sum(quotas.values())
    for slug in sorted(exact, key=lambda slug: quotas[slug] - exact[slug])[:short]:
        quotas[slug] += 1

    reviews = []
    for slug, quota in quotas.items():
        quality = rng.random()
        stars = [
            worst + (best - worst) * quality for worst, best in zip(_STARS_WORST, _STARS_BEST, strict=True)
        ]
        for student in sorted(rng.sample(students[slug], quota)):
            rating = rng.choices(range(1, 6), stars)[0]
            age = timedelta(days=rng.randrange(REVIEW_DAYS))
            # Instructors answer the critical reviews more often; staff hid a few.
            answered = rng.random() < (0.4 if rating <= 3 else 0.1)
            reviews.append(
                PlannedReview(
                    student=student,
                    course=slug,
                    rating=rating,
                    body=_review_body(rng, rating),
                    age=age,
                    reply=rng.choice(_REVIEWS["replies"]) if answered else "",
                    reply_after=min(age, timedelta(hours=rng.randint(1, 240))),
                    hidden_reason=rng.choice(_REVIEWS["hidden_reasons"]) if rng.random() < 0.01 else "",
                )
            )
    return reviews
