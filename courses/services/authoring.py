"""Authoring writes: courses, modules, lessons, quizzes and questions.

The admin's hooks and `seed_demo` call these and nothing else (removing
content is in `courses.services.archive`). Orders are kept
dense (0..n-1) and a new or moved row goes last. Every write that changes
which lessons a course has, or their order, sends `courses.signals.curriculum_changed`
inside its transaction (apps above recompute what depends on it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from courses.models import Category, Choice, Course, Lesson, Module, Question, Quiz
from courses.policies import can_choose_course_instructor
from courses.publishing import course_publish_problems
from courses.quizzes import question_answer_errors
from courses.services.images import course_image_saving
from courses.signals import curriculum_changed

if TYPE_CHECKING:
    from lms.models import User


def curriculum_changed_send(course_ids: Iterable[int]) -> None:
    """Count a change of the courses' list of lessons (`Course.curriculum_revision`,
    one UPDATE whatever the number of students) and tell the apps above. Call
    inside the transaction that changed it: the new revision commits with it."""
    course_ids = sorted(set(course_ids))
    Course.objects.filter(pk__in=course_ids).update(curriculum_revision=F("curriculum_revision") + 1)
    curriculum_changed.send(sender=Course, course_ids=course_ids)


def _renumber(queryset: QuerySet) -> None:
    rows = list(queryset.order_by("order", "pk").only("pk", "order"))
    now = timezone.now()
    changed = []
    for index, row in enumerate(rows):
        if row.order != index:
            row.order = index
            row.updated_at = now  # bulk_update skips auto_now; the curriculum's cache version needs it
            changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, ["order", "updated_at"])


def _next_order(queryset: QuerySet) -> int:
    current = queryset.aggregate(m=Max("order"))["m"]
    return 0 if current is None else current + 1


# --- Courses ---------------------------------------------------------------------


@transaction.atomic
def course_save(*, course: Course, author: User) -> Course:
    """Create or change a course. A new course of an author who may not choose
    its instructor is their own, whatever the form said. A published course must
    pass `course_publish_problems` (ValidationError on "status" otherwise, nothing
    written): create a course as a draft, add its lessons, then publish it."""
    if course.pk is None and not can_choose_course_instructor(author):
        course.instructor = author
    if course.status == Course.Status.PUBLISHED:
        problems = course_publish_problems(course=course)
        if problems:
            raise ValidationError({"status": problems})
    with course_image_saving(course=course):  # a new picture: its renditions (courses/services/images.py)
        course.save()
    return course


@transaction.atomic
def category_save(*, category: Category) -> Category:
    """Create or change a category of the catalogue (staff, and `seed_demo`)."""
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def course_categories_set(*, course: Course, categories: Iterable[Category]) -> None:
    """File the course under exactly these categories (the admin's form does it
    with the course's own save)."""
    course.categories.set(list(categories))


@transaction.atomic
def modules_renumber(*, course: Course) -> None:
    """Make the course's module order dense, keeping the current sequence.

    Called after every change to a course's modules (an inline edit in the
    admin, a module moved away or deleted), so it also announces the change
    of curriculum: modules and their lessons may be gone."""
    # Lock the course row so two concurrent reorders of one course queue up.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    _renumber(Module.objects.filter(course=course))
    curriculum_changed_send([course.pk])


# --- Modules ---------------------------------------------------------------------


@transaction.atomic
def module_save(*, module: Module) -> Module:
    """Create or change a module. A new module, or one moved to another course,
    goes last in its course; the course it left is renumbered."""
    previous_course_id = (
        Module.objects.filter(pk=module.pk).values_list("course_id", flat=True).first() if module.pk else None
    )
    moved = previous_course_id is not None and previous_course_id != module.course_id
    if module.pk is None or moved:
        module.order = _next_order(Module.objects.filter(course_id=module.course_id))
    module.save()
    if moved:
        modules_renumber(course=Course.objects.get(pk=previous_course_id))
        curriculum_changed_send([module.course_id])  # its lessons arrived here
    return module


# --- Lessons ---------------------------------------------------------------------


@transaction.atomic
def lessons_renumber(*, module: Module) -> None:
    """Make the module's lesson order dense, keeping the current sequence.
    Called after every change to a module's lessons."""
    Module.objects.select_for_update().filter(pk=module.pk).first()
    _renumber(Lesson.objects.filter(module=module))
    curriculum_changed_send([module.course_id])


@transaction.atomic
def lesson_save(*, lesson: Lesson) -> Lesson:
    """Create or change a lesson. A new lesson, or one moved to another module,
    goes last there; the module it left is renumbered."""
    previous_module_id = (
        Lesson.objects.filter(pk=lesson.pk).values_list("module_id", flat=True).first() if lesson.pk else None
    )
    moved = previous_module_id is not None and previous_module_id != lesson.module_id
    added = lesson.pk is None
    if added or moved:
        lesson.order = _next_order(Lesson.objects.filter(module_id=lesson.module_id))
    lesson.save()
    if moved:
        lessons_renumber(module=Module.objects.get(pk=previous_module_id))
    if added or moved:
        # One more lesson in this course: every enrollment's percentage moves.
        curriculum_changed_send([lesson.module.course_id])
    return lesson


# --- Quizzes and questions -------------------------------------------------------


def quiz_save(*, quiz: Quiz) -> Quiz:
    """Create or change the quiz of a quiz lesson."""
    if quiz.lesson.kind != Lesson.Kind.QUIZ:
        raise ValidationError({"lesson": "Only a lesson of kind quiz has a quiz."})
    quiz.save()
    return quiz


@transaction.atomic
def question_save(*, question: Question) -> Question:
    """Create or change a question (its choices are saved by the caller, in the
    same transaction). A new question, or one moved to another quiz, goes last."""
    previous_quiz_id = (
        Question.objects.filter(pk=question.pk).values_list("quiz_id", flat=True).first()
        if question.pk
        else None
    )
    if question.pk is None or previous_quiz_id != question.quiz_id:
        question.order = _next_order(Question.objects.filter(quiz_id=question.quiz_id))
    question.save()
    return question


@transaction.atomic
def question_create(
    *,
    quiz: Quiz,
    kind: str,
    prompt: str,
    choices: Sequence[tuple[str, bool]],
    explanation: str = "",
    points: int = 1,
) -> Question:
    """A question with its choices ((text, is_correct), in the order shown), or
    ValidationError and nothing written when it could not be answered right."""
    errors = question_answer_errors(
        kind=kind, correct_count=sum(1 for _, correct in choices if correct), choice_count=len(choices)
    )
    if errors:
        raise ValidationError(errors)
    question = question_save(
        question=Question(quiz=quiz, kind=kind, prompt=prompt, explanation=explanation, points=points)
    )
    Choice.objects.bulk_create(
        Choice(question=question, text=text, is_correct=correct, order=index)
        for index, (text, correct) in enumerate(choices)
    )
    return question
