"""The demo catalogue, `demo/data/catalogue.toml`, read into typed records.

The whole file is checked before `seed_demo` writes anything. An unknown or
missing key, a value of the wrong type, a kind or status that does not exist,
a natural key used twice (the seed would silently merge the two entries), a quiz
on a lesson that is not a quiz, a question that could not be answered right, a
reference to an account or course that is not in the file, a course completed
or reviewed by a student not enrolled in it, a rating outside 1 to 5, a
lesson the seed would have to complete without knowing how, or a question,
reply or announcement by someone who may not post it (demo/catalogue_community.py)
stops the load with a CatalogueError that names the entry (the checks:
demo/catalogue_checks.py).

Prices are strings ("49.00") read as Decimal: a TOML float cannot hold most
prices exactly."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from community.models import REVIEW_MAX_LENGTH
from courses.models import Lesson
from demo.catalogue_checks import CatalogueError, Spec, checked_table, entries, strings, unique
from demo.catalogue_community import (
    SeedAnnouncement,
    SeedDiscussion,
    SeedReply,
    announcements_checked,
    discussions_checked,
)
from demo.catalogue_courses import (
    SeedCategory,
    SeedCourse,
    SeedLesson,
    SeedModule,
    SeedQuestion,
    SeedQuiz,
    SeedSubmission,
    categories_checked,
    course_checked,
)

# Importers of the catalogue find every record and its error here.
__all__ = [
    "CATALOGUE_PATH",
    "Catalogue",
    "CatalogueError",
    "SeedAnnouncement",
    "SeedCategory",
    "SeedCourse",
    "SeedDiscussion",
    "SeedLesson",
    "SeedModule",
    "SeedQuestion",
    "SeedQuiz",
    "SeedReply",
    "SeedReview",
    "SeedSubmission",
    "SeedUser",
    "catalogue_load",
]

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "catalogue.toml"


@dataclass(frozen=True)
class SeedUser:
    email: str
    password: str
    first_name: str
    last_name: str
    title: str = ""
    bio: str = ""


@dataclass(frozen=True)
class SeedReview:
    student: str  # e-mail of one of the catalogue's students, enrolled in the course
    course: str  # slug
    rating: int
    body: str = ""
    answer: str = ""  # the course's instructor's answer; empty: none


@dataclass(frozen=True)
class Catalogue:
    admin: SeedUser
    instructors: tuple[SeedUser, ...]
    students: tuple[SeedUser, ...]
    courses: tuple[SeedCourse, ...]
    enrollments: tuple[tuple[str, str], ...]  # (student e-mail, course slug), in the order made
    categories: tuple[SeedCategory, ...] = ()  # in the catalogue's order
    completions: tuple[tuple[str, str], ...] = ()  # (student e-mail, course slug) they complete
    reviews: tuple[SeedReview, ...] = ()
    discussions: tuple[SeedDiscussion, ...] = ()
    announcements: tuple[SeedAnnouncement, ...] = ()

    def accounts(self) -> Iterator[tuple[str, SeedUser]]:
        """(role, account) for every account, in the order they are created."""
        yield "admin", self.admin
        for user in self.instructors:
            yield "instructor", user
        for user in self.students:
            yield "student", user


def catalogue_load(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue file (CATALOGUE_PATH unless told);
    CatalogueError names what is wrong."""
    path = path or CATALOGUE_PATH
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"{path.name}: not valid TOML: {error}") from error
    return _catalogue(data, where=path.name)


# --- The catalogue, from the top down --------------------------------------------------


def _catalogue(data: dict[str, Any], *, where: str) -> Catalogue:
    top = checked_table(
        data,
        where,
        {
            "admin": (dict, True),
            "instructors": (list, True),
            "students": (list, True),
            "categories": (list, False),
            "courses": (list, True),
            "reviews": (list, False),
            "discussions": (list, False),
            "announcements": (list, False),
        },
    )
    admin = SeedUser(**checked_table(top["admin"], f"{where} > admin", USER))
    instructors = tuple(
        SeedUser(**checked_table(value, address, USER))
        for value, address in entries(top["instructors"], where, "instructors", "email")
    )
    students, enrollments, completions = [], [], {}
    for value, address in entries(top["students"], where, "students", "email"):
        table = dict(checked_table(value, address, STUDENT))
        enrolled = strings(table.pop("enrolled_in", []), address, "enrolled_in", "course slugs")
        completed = strings(table.pop("completed", []), address, "completed", "course slugs")
        unique(completed, address, "completed course")
        for slug in completed:
            if slug not in enrolled:
                raise CatalogueError(f"{address}: completes {slug!r}, which is not in its 'enrolled_in'")
            completions[(table["email"], slug)] = address
        enrollments += [(table["email"], slug) for slug in enrolled]
        students.append(SeedUser(**table))
    # Accounts are found by e-mail whatever its case.
    unique([user.email for user in (admin, *instructors, *students)], where, "e-mail", ignore_case=True)

    instructor_emails = [user.email for user in instructors]
    categories = categories_checked(top.get("categories", []), where)
    courses = tuple(
        course_checked(value, address, instructor_emails, categories)
        for value, address in entries(top["courses"], where, "courses", "slug")
    )
    unique([course.slug for course in courses], where, "course slug")
    by_slug = {course.slug: course for course in courses}
    for email, slug in enrollments:
        if slug not in by_slug:
            raise CatalogueError(
                f"{where}: student {email!r} is enrolled in {slug!r}, which is no course here"
            )
    unique([f"{email} in {slug}" for email, slug in enrollments], where, "enrollment")
    for (email, slug), address in completions.items():
        _completable(by_slug[slug], address, student=email, doing="completes")

    reviews = []
    for index, value in enumerate(top.get("reviews", []), start=1):
        address = f"{where} > reviews[{index}]"
        if isinstance(value, dict) and isinstance(value.get("student"), str):
            address += f" ({value['student']} on {value.get('course')})"
        reviews.append(_review(value, address, courses=by_slug, enrollments=set(enrollments)))
    unique([f"{review.student} on {review.course}" for review in reviews], where, "review")
    discussions = discussions_checked(
        top.get("discussions", []), where, courses=by_slug, enrollments=set(enrollments)
    )
    announcements = announcements_checked(top.get("announcements", []), where, courses=by_slug)
    return Catalogue(
        admin=admin,
        instructors=instructors,
        students=tuple(students),
        courses=courses,
        categories=categories,
        enrollments=tuple(enrollments),
        completions=tuple(completions),
        reviews=tuple(reviews),
        discussions=discussions,
        announcements=announcements,
    )


USER: Spec = {
    "email": (str, True),
    "password": (str, True),
    "first_name": (str, True),
    "last_name": (str, True),
    "title": (str, False),
    "bio": (str, False),
}

STUDENT: Spec = {**USER, "enrolled_in": (list, False), "completed": (list, False)}

REVIEW: Spec = {
    "student": (str, True),
    "course": (str, True),
    "rating": (int, True),
    "body": (str, False),
    "answer": (str, False),
}


def _review(
    value: Any, where: str, *, courses: dict[str, SeedCourse], enrollments: set[tuple[str, str]]
) -> SeedReview:
    table = checked_table(value, where, REVIEW)
    student, slug = table["student"], table["course"]
    if slug not in courses:
        raise CatalogueError(f"{where}: course {slug!r} is no course here")
    if (student, slug) not in enrollments:
        raise CatalogueError(
            f"{where}: {student!r} is not a student enrolled in {slug!r} (see its 'enrolled_in')"
        )
    if not 1 <= table["rating"] <= 5:
        raise CatalogueError(f"{where}: rating {table['rating']} is not 1 to 5 stars")
    texts = {key: table.get(key, "").strip() for key in ("body", "answer")}
    for key, text in texts.items():
        if len(text) > REVIEW_MAX_LENGTH:
            raise CatalogueError(f"{where}: the {key} is longer than {REVIEW_MAX_LENGTH:,} characters")
    if "answer" in table and not texts["answer"]:
        raise CatalogueError(f"{where}: the 'answer' is empty (leave the key out for no answer)")
    if settings.REVIEW_MIN_PROGRESS:
        # The seed gives the reviewer that progress itself, lesson by lesson.
        _completable(courses[slug], where, student=student, doing="reviews")
    return SeedReview(student=student, course=slug, rating=table["rating"], **texts)


def _completable(course: SeedCourse, where: str, *, student: str, doing: str) -> None:
    """The seed can complete the course's lessons for the student: it has some,
    and each assignment says what the student sends (quizzes are answerable)."""
    lessons = [(module, lesson) for module in course.modules for lesson in module.lessons]
    if not lessons:
        raise CatalogueError(f"{where}: {student} {doing} {course.slug!r}, which has no lessons")
    for module, lesson in lessons:
        if lesson.kind == Lesson.Kind.ASSIGNMENT and lesson.demo_submission is None:
            raise CatalogueError(
                f"{where}: {student} {doing} {course.slug!r}, so the seed may complete its assignment "
                f"{module.title!r} > {lesson.title!r}, which needs a 'demo_submission'"
            )
