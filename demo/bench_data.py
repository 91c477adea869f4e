"""The benchmark data set's shape: its sizes, natural keys, the students the
benchmark logs in as, and the texts and names it uses (`demo/data/bench.toml`).

`seed_bench` writes it and `bench/` reads it through that command's module,
which re-exports every name here."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.management.base import CommandError

BENCH_DOMAIN = "bench.doctrina.invalid"
SLUG_PREFIX = "bench-"
BIG_SLUG = "bench-big-course"
TYPICAL_SLUG = "bench-typical-course"
# Published and paid, with no seeded enrollment: the webhook benchmark sells it.
PAID_SLUG = "bench-paid-course"
STUDENT_PASSWORD = "bench-student-password"  # noqa: S105 - seeded accounts only


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
    def lessons(self) -> int:
        # The paid course has the small courses' size.
        small = (self.other_courses + 1) * self.other[0] * self.other[1]
        return self.big[0] * self.big[1] + self.typical[0] * self.typical[1] + small


SIZES = Sizes()

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
        (BIG_SLUG, "The Complete Web Developer Bootcamp", Decimal("0"), sizes.big),
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


_TEXTS = tomllib.loads((Path(__file__).resolve().parent / "data" / "bench.toml").read_text(encoding="utf-8"))
LESSON_TEXT: str = _TEXTS["lesson_text"]
COURSE_DESCRIPTION: str = _TEXTS["course_description"]
FIRST_NAMES: list[str] = _TEXTS["first_names"]
LAST_NAMES: list[str] = _TEXTS["last_names"]
