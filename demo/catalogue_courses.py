"""The courses of the demo catalogue (demo/catalogue.py reads the file): each
course with its modules, lessons, quizzes and questions, checked entry by entry."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from courses.models import COURSE_LANGUAGES, Course, Lesson, Question, Quiz
from courses.quizzes import question_answer_errors
from demo.catalogue_checks import CatalogueError, Spec, checked_table, entries, one_of, strings, unique


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
class SeedSubmission:
    """What a demo student sends for an assignment lesson the seed completes for
    them, and the feedback of the course's instructor, who passes it."""

    text: str
    feedback: str = ""


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
    demo_submission: SeedSubmission | None = None


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
    categories: tuple[str, ...] = ()  # slugs of the file's categories
    level: str = Course.Level.ALL
    language: str = "en"

    def lesson(self, *, module: str, title: str) -> SeedLesson | None:
        """The lesson of this course with this natural key, if the file has it."""
        for module_seed in self.modules:
            if module_seed.title == module:
                return next((lesson for lesson in module_seed.lessons if lesson.title == title), None)
        return None


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
    "categories": (list, False),
    "level": (str, False),
    "language": (str, False),
}

CATEGORY: Spec = {"name": (str, True), "slug": (str, True)}


@dataclass(frozen=True)
class SeedCategory:
    name: str
    slug: str


def categories_checked(values: list, where: str) -> tuple[SeedCategory, ...]:
    categories = tuple(
        SeedCategory(**checked_table(value, address, CATEGORY))
        for value, address in entries(values, where, "categories", "slug")
    )
    unique([category.slug for category in categories], where, "category slug")
    unique([category.name for category in categories], where, "category name", ignore_case=True)
    return categories


def course_checked(
    value: Any, where: str, instructors: list[str], categories: tuple[SeedCategory, ...] = ()
) -> SeedCourse:
    table = dict(checked_table(value, where, COURSE))
    slugs = [category.slug for category in categories]
    chosen = strings(table.pop("categories", []), where, "categories", "category slugs")
    for slug in chosen:
        if slug not in slugs:
            raise CatalogueError(f"{where}: category {slug!r} is not one of {', '.join(slugs) or 'none'}")
    one_of(table.get("level", Course.Level.ALL), Course.Level.values, where, "level")
    one_of(table.get("language", "en"), [code for code, _ in COURSE_LANGUAGES], where, "language")
    if table["instructor"] not in instructors:
        raise CatalogueError(
            f"{where}: instructor {table['instructor']!r} is not one of {', '.join(instructors)}"
        )
    try:
        price = Decimal(table["price"])
    except InvalidOperation:
        raise CatalogueError(f"{where}: price {table['price']!r} is not a decimal number") from None
    modules = tuple(
        _module(module, address) for module, address in entries(table["modules"], where, "modules")
    )
    unique([module.title for module in modules], where, "module title")
    one_of(table["status"], Course.Status.values, where, "status")
    return SeedCourse(**{**table, "price": price, "modules": modules, "categories": tuple(chosen)})


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
    "demo_submission": (dict, False),
}

SUBMISSION: Spec = {"text": (str, True), "feedback": (str, False)}


def _module(value: Any, where: str) -> SeedModule:
    table = checked_table(value, where, MODULE)
    lessons = tuple(
        _lesson(lesson, address) for lesson, address in entries(table["lessons"], where, "lessons")
    )
    unique([lesson.title for lesson in lessons], where, "lesson title")
    return SeedModule(**{**table, "lessons": lessons})


def _lesson(value: Any, where: str) -> SeedLesson:
    table = checked_table(value, where, LESSON)
    one_of(table["kind"], Lesson.Kind.values, where, "kind")
    quiz = None
    if "quiz" in table:
        if table["kind"] != Lesson.Kind.QUIZ:
            raise CatalogueError(
                f"{where}: only a lesson of kind 'quiz' has a quiz (this one is {table['kind']!r})"
            )
        quiz = _quiz(table["quiz"], f"{where} > quiz")
    submission = None
    if "demo_submission" in table:
        if table["kind"] != Lesson.Kind.ASSIGNMENT:
            raise CatalogueError(
                f"{where}: only a lesson of kind 'assignment' has a demo_submission"
                f" (this one is {table['kind']!r})"
            )
        sent = checked_table(table["demo_submission"], f"{where} > demo_submission", SUBMISSION)
        if not sent["text"].strip():
            raise CatalogueError(f"{where} > demo_submission: the 'text' is empty")
        submission = SeedSubmission(**{key: text.strip() for key, text in sent.items()})
    return SeedLesson(**{**table, "quiz": quiz, "demo_submission": submission})


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
    table = checked_table(value, where, QUIZ)
    if "show_answers" in table:
        one_of(table["show_answers"], Quiz.ShowAnswers.values, where, "show_answers")
    questions = tuple(
        _question(question, address)
        for question, address in entries(table["questions"], where, "questions", "prompt")
    )
    unique([question.prompt for question in questions], where, "question prompt")
    return SeedQuiz(**{**table, "questions": questions})


def _question(value: Any, where: str) -> SeedQuestion:
    table = dict(checked_table(value, where, QUESTION))
    kind = one_of(table["kind"], Question.Kind.values, where, "kind")
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
                checked_table(choice, f"{where} > choices[{index}]", CHOICE)
                for index, choice in enumerate(table.pop("choices"), start=1)
            )
        )
    errors = question_answer_errors(
        kind=kind, correct_count=sum(correct for _, correct in choices), choice_count=len(choices)
    )
    if errors:
        raise CatalogueError(f"{where}: {' '.join(errors)}")
    return SeedQuestion(**{**table, "choices": choices})
