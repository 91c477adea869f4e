"""The demo catalogue, `demo/data/catalogue.toml`, read into typed records.

The whole file is checked before `seed_demo` writes anything. An unknown or
missing key, a value of the wrong type, a kind or status that does not exist,
a natural key used twice (the seed would silently merge the two entries), a quiz
on a lesson that is not a quiz, a question that could not be answered right, or
a reference to an account or course that is not in the file stops the load with
a CatalogueError that names the entry.

Prices are strings ("49.00") read as Decimal: a TOML float cannot hold most
prices exactly."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from courses.models import Course, Lesson, Question, Quiz
from courses.quizzes import question_answer_errors

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "catalogue.toml"


class CatalogueError(ValueError):
    """The data file is not a valid catalogue; the message names the entry."""


@dataclass(frozen=True)
class SeedUser:
    email: str
    password: str
    first_name: str
    last_name: str
    title: str = ""
    bio: str = ""


@dataclass(frozen=True)
class SeedQuestion:
    kind: str
    prompt: str
    explanation: str
    choices: tuple[tuple[str, bool], ...]  # (text, is_correct), in the order shown
    points: int = 1


@dataclass(frozen=True)
class SeedQuiz:
    questions: tuple[SeedQuestion, ...]
    pass_mark: int = 70
    max_attempts: int = 0
    time_limit_minutes: int | None = None
    shuffle_questions: bool = False
    show_answers: str = Quiz.ShowAnswers.AFTER_PASSING


@dataclass(frozen=True)
class SeedLesson:
    title: str
    kind: str
    duration: int = 0
    description: str = ""
    video_url: str = ""
    video_id: str = ""
    content: str = ""
    is_preview: bool = False
    quiz: SeedQuiz | None = None


@dataclass(frozen=True)
class SeedModule:
    title: str
    description: str
    lessons: tuple[SeedLesson, ...] = ()


@dataclass(frozen=True)
class SeedCourse:
    slug: str
    title: str
    subtitle: str
    description: str
    instructor: str  # e-mail of one of the catalogue's instructors
    price: Decimal
    currency: str
    status: str
    modules: tuple[SeedModule, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    admin: SeedUser
    instructors: tuple[SeedUser, ...]
    students: tuple[SeedUser, ...]
    courses: tuple[SeedCourse, ...]
    enrollments: tuple[tuple[str, str], ...]  # (student e-mail, course slug), in the order made

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


# --- Checking one table --------------------------------------------------------------

# key -> (type of its value, required?)
Spec = Mapping[str, tuple[type, bool]]

TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", list: "an array", dict: "a table"}

USER: Spec = {
    "email": (str, True),
    "password": (str, True),
    "first_name": (str, True),
    "last_name": (str, True),
    "title": (str, False),
    "bio": (str, False),
}


def _table(value: Any, where: str, spec: Spec) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: expected a table, found {value!r}")
    for key, item in value.items():
        if key not in spec:
            raise CatalogueError(f"{where}: unknown key {key!r} (allowed: {', '.join(spec)})")
        expected = spec[key][0]
        # A TOML boolean is a Python int too: `duration = true` is a mistake.
        if not isinstance(item, expected) or (isinstance(item, bool) and expected is not bool):
            raise CatalogueError(f"{where}: {key!r} must be {TYPE_NAMES[expected]}, not {item!r}")
    missing = [key for key, (_, required) in spec.items() if required and key not in value]
    if missing:
        raise CatalogueError(f"{where}: missing key {missing[0]!r}")
    return value


def _one_of(value: str, choices: list[str], where: str, key: str) -> str:
    if value not in choices:
        raise CatalogueError(f"{where}: {key} {value!r} is not one of {', '.join(choices)}")
    return value


def _unique(keys: list[str], where: str, what: str, *, ignore_case: bool = False) -> None:
    seen = set()
    for key in keys:
        folded = key.casefold() if ignore_case else key
        if folded in seen:
            raise CatalogueError(f"{where}: {what} {key!r} appears twice")
        seen.add(folded)


def _entries(values: list, where: str, name: str, label: str = "title") -> Iterator[tuple[Any, str]]:
    """Each entry of an array with a readable address: `lessons[2] 'Your first model'`."""
    for index, value in enumerate(values, start=1):
        named = f" {value[label]!r}" if isinstance(value, dict) and isinstance(value.get(label), str) else ""
        yield value, f"{where} > {name}[{index}]{named}"


# --- The catalogue, from the top down --------------------------------------------------


def _catalogue(data: dict[str, Any], *, where: str) -> Catalogue:
    top = _table(
        data,
        where,
        {
            "admin": (dict, True),
            "instructors": (list, True),
            "students": (list, True),
            "courses": (list, True),
        },
    )
    admin = SeedUser(**_table(top["admin"], f"{where} > admin", USER))
    instructors = tuple(
        SeedUser(**_table(value, address, USER))
        for value, address in _entries(top["instructors"], where, "instructors", "email")
    )
    students, enrollments = [], []
    for value, address in _entries(top["students"], where, "students", "email"):
        table = dict(_table(value, address, {**USER, "enrolled_in": (list, False)}))
        for slug in table.pop("enrolled_in", []):
            if not isinstance(slug, str):
                raise CatalogueError(f"{address}: 'enrolled_in' lists course slugs, not {slug!r}")
            enrollments.append((table["email"], slug))
        students.append(SeedUser(**table))
    # Accounts are found by e-mail whatever its case.
    _unique([user.email for user in (admin, *instructors, *students)], where, "e-mail", ignore_case=True)

    instructor_emails = [user.email for user in instructors]
    courses = tuple(
        _course(value, address, instructor_emails)
        for value, address in _entries(top["courses"], where, "courses", "slug")
    )
    _unique([course.slug for course in courses], where, "course slug")
    slugs = {course.slug for course in courses}
    for email, slug in enrollments:
        if slug not in slugs:
            raise CatalogueError(
                f"{where}: student {email!r} is enrolled in {slug!r}, which is no course here"
            )
    _unique([f"{email} in {slug}" for email, slug in enrollments], where, "enrollment")
    return Catalogue(
        admin=admin,
        instructors=instructors,
        students=tuple(students),
        courses=courses,
        enrollments=tuple(enrollments),
    )


COURSE: Spec = {
    "slug": (str, True),
    "title": (str, True),
    "subtitle": (str, True),
    "description": (str, True),
    "instructor": (str, True),
    "price": (str, True),
    "currency": (str, True),
    "status": (str, True),
    "modules": (list, True),
}


def _course(value: Any, where: str, instructors: list[str]) -> SeedCourse:
    table = _table(value, where, COURSE)
    if table["instructor"] not in instructors:
        raise CatalogueError(
            f"{where}: instructor {table['instructor']!r} is not one of {', '.join(instructors)}"
        )
    try:
        price = Decimal(table["price"])
    except InvalidOperation:
        raise CatalogueError(f"{where}: price {table['price']!r} is not a decimal number") from None
    modules = tuple(
        _module(module, address) for module, address in _entries(table["modules"], where, "modules")
    )
    _unique([module.title for module in modules], where, "module title")
    _one_of(table["status"], Course.Status.values, where, "status")
    return SeedCourse(**{**table, "price": price, "modules": modules})


MODULE: Spec = {"title": (str, True), "description": (str, True), "lessons": (list, True)}

LESSON: Spec = {
    "title": (str, True),
    "kind": (str, True),
    "duration": (int, False),
    "is_preview": (bool, False),
    "description": (str, False),
    "video_url": (str, False),
    "video_id": (str, False),
    "content": (str, False),
    "quiz": (dict, False),
}


def _module(value: Any, where: str) -> SeedModule:
    table = _table(value, where, MODULE)
    lessons = tuple(
        _lesson(lesson, address) for lesson, address in _entries(table["lessons"], where, "lessons")
    )
    _unique([lesson.title for lesson in lessons], where, "lesson title")
    return SeedModule(**{**table, "lessons": lessons})


def _lesson(value: Any, where: str) -> SeedLesson:
    table = _table(value, where, LESSON)
    _one_of(table["kind"], Lesson.Kind.values, where, "kind")
    quiz = None
    if "quiz" in table:
        if table["kind"] != Lesson.Kind.QUIZ:
            raise CatalogueError(
                f"{where}: only a lesson of kind 'quiz' has a quiz (this one is {table['kind']!r})"
            )
        quiz = _quiz(table["quiz"], f"{where} > quiz")
    return SeedLesson(**{**table, "quiz": quiz})


QUIZ: Spec = {
    "pass_mark": (int, False),
    "max_attempts": (int, False),
    "time_limit_minutes": (int, False),
    "shuffle_questions": (bool, False),
    "show_answers": (str, False),
    "questions": (list, True),
}

QUESTION: Spec = {
    "kind": (str, True),
    "points": (int, False),
    "prompt": (str, True),
    "explanation": (str, True),
    "choices": (list, False),  # single and multiple choice
    "answer": (bool, False),  # true/false
}

CHOICE: Spec = {"text": (str, True), "correct": (bool, True)}


def _quiz(value: Any, where: str) -> SeedQuiz:
    table = _table(value, where, QUIZ)
    if "show_answers" in table:
        _one_of(table["show_answers"], Quiz.ShowAnswers.values, where, "show_answers")
    questions = tuple(
        _question(question, address)
        for question, address in _entries(table["questions"], where, "questions", "prompt")
    )
    _unique([question.prompt for question in questions], where, "question prompt")
    return SeedQuiz(**{**table, "questions": questions})


def _question(value: Any, where: str) -> SeedQuestion:
    table = dict(_table(value, where, QUESTION))
    kind = _one_of(table["kind"], Question.Kind.values, where, "kind")
    if kind == Question.Kind.TRUE_FALSE:
        if "answer" not in table or "choices" in table:
            raise CatalogueError(f"{where}: a true/false question gives its 'answer', not 'choices'")
        answer = table.pop("answer")
        choices = (("True", answer), ("False", not answer))
    else:
        if "choices" not in table or "answer" in table:
            raise CatalogueError(f"{where}: a {kind} question lists its 'choices', not an 'answer'")
        choices = tuple(
            (choice["text"], choice["correct"])
            for choice in (
                _table(choice, f"{where} > choices[{index}]", CHOICE)
                for index, choice in enumerate(table.pop("choices"), start=1)
            )
        )
    errors = question_answer_errors(
        kind=kind, correct_count=sum(correct for _, correct in choices), choice_count=len(choices)
    )
    if errors:
        raise CatalogueError(f"{where}: {' '.join(errors)}")
    return SeedQuestion(**{**table, "choices": choices})
