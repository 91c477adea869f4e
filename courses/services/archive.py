"""Removing content: nothing a student did is ever lost.

Deleting a lesson or a module that any student has touched (progress, a quiz
attempt, a submission, a question: `courses.student_work`) *archives* it
instead: `archived_at` is set, it leaves the curriculum (every count, order,
percentage and "next lesson" is over `Lesson.objects.in_curriculum()`), every
enrollment of its course is recomputed (`curriculum_changed`), and its
students' records and files stay where they are; students find them under
"Archived lessons" on the course page. Content nobody touched is deleted as
before. A superuser restores archived content (`lessons_restore`,
`modules_restore`); it comes back where it was in the order.

A course is never archived this way: a course with student work cannot be
deleted at all (`course_delete` refuses; its status "Archived" closes it).

Locks, in the order a student's write takes them: first the locks apps above
take for their own writes (`curriculum_removing`: `learning` locks the
courses' enrollment rows, which every progress, quiz and assignment write
locks first), then the content rows, and only then the look for student work.
A student's write in flight has committed by then and is seen (archived, not
deleted); one that starts later waits for the removal and finds the lesson
archived (the pages refuse new work on it) or gone. (The foreign keys are
checked at commit, so without the first lock the two would deadlock.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from courses.models import Course, Lesson, Module
from courses.services.authoring import curriculum_changed_send, lessons_renumber, modules_renumber
from courses.signals import curriculum_removing
from courses.student_work import student_work_counts, touched_ids


class CourseHasStudentWork(Exception):
    """The course has enrollments, purchases, reviews or students' work on its
    lessons: it is not deleted (set its status to Archived instead)."""

    def __init__(self, counts: list[tuple[str, int]]):
        self.counts = counts
        super().__init__(", ".join(f"{n} {name}" for name, n in counts))


@dataclass
class Removal:
    """What a removal did (or, as a plan, would do): the rows archived because
    students had worked on them, and the rows deleted."""

    archived: list = field(default_factory=list)
    deleted: list = field(default_factory=list)


def _removing(course_ids) -> None:
    """Let apps above take their locks first (see the module's docstring)."""
    curriculum_removing.send(sender=Course, course_ids=sorted(set(course_ids)))


# --- Plans (what the admin's confirmation says before anything happens) -------------


def lessons_removal_plan(*, lessons: QuerySet[Lesson]) -> Removal:
    rows = list(lessons.order_by("pk"))
    touched = touched_ids(Lesson, [lesson.pk for lesson in rows])
    return Removal(
        archived=[lesson for lesson in rows if lesson.pk in touched],
        deleted=[lesson for lesson in rows if lesson.pk not in touched],
    )


def modules_removal_plan(*, modules: QuerySet[Module]) -> Removal:
    rows = list(modules.order_by("pk"))
    touched = touched_ids(Module, [module.pk for module in rows])
    return Removal(
        archived=[module for module in rows if module.pk in touched],
        deleted=[module for module in rows if module.pk not in touched],
    )


# --- Lessons ---------------------------------------------------------------------


@transaction.atomic
def lessons_delete_or_archive(*, lessons: QuerySet[Lesson]) -> Removal:
    """Archive the lessons students have touched, delete the others, renumber
    the modules they leave and recompute every enrollment of their courses."""
    ids = list(lessons.values_list("pk", flat=True))
    _removing(Module.objects.filter(lessons__in=ids).values_list("course_id", flat=True))
    locked = list(Lesson.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    touched = touched_ids(Lesson, ids)
    removal = Removal(
        archived=[lesson for lesson in locked if lesson.pk in touched],
        deleted=[lesson for lesson in locked if lesson.pk not in touched],
    )
    module_ids = {lesson.module_id for lesson in locked}
    now = timezone.now()
    Lesson.objects.filter(pk__in=touched, archived_at__isnull=True).update(archived_at=now, updated_at=now)
    Lesson.objects.filter(pk__in=[lesson.pk for lesson in removal.deleted]).delete()
    for module in Module.objects.filter(pk__in=module_ids).order_by("pk"):
        lessons_renumber(module=module)  # announces the change of curriculum too
    return removal


@transaction.atomic
def lessons_restore(*, lessons: QuerySet[Lesson]) -> list[Lesson]:
    """Bring archived lessons back into the curriculum, where they were in their
    module's order. A lesson of an archived module stays out of the curriculum
    until its module is restored (`modules_restore`)."""
    restored = list(
        Lesson.objects.select_for_update().filter(pk__in=lessons.values("pk"), archived_at__isnull=False)
    )
    now = timezone.now()
    Lesson.objects.filter(pk__in=[lesson.pk for lesson in restored]).update(archived_at=None, updated_at=now)
    curriculum_changed_send(
        Module.objects.filter(lessons__in=[lesson.pk for lesson in restored]).values_list(
            "course_id", flat=True
        )
    )
    return restored


# --- Modules ---------------------------------------------------------------------


@transaction.atomic
def modules_delete_or_archive(*, modules: QuerySet[Module]) -> Removal:
    """Archive the modules whose lessons students have touched (with all their
    lessons), delete the others with their lessons, renumber the courses they
    leave and recompute every enrollment of those courses."""
    ids = list(modules.values_list("pk", flat=True))
    _removing(Module.objects.filter(pk__in=ids).values_list("course_id", flat=True))
    locked = list(Module.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    # The lessons too: students' writes lock those rows, not the module's.
    list(
        Lesson.objects.select_for_update()
        .filter(module_id__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    touched = touched_ids(Module, ids)
    removal = Removal(
        archived=[module for module in locked if module.pk in touched],
        deleted=[module for module in locked if module.pk not in touched],
    )
    now = timezone.now()
    Module.objects.filter(pk__in=touched, archived_at__isnull=True).update(archived_at=now, updated_at=now)
    Module.objects.filter(pk__in=[module.pk for module in removal.deleted]).delete()
    for course in Course.objects.filter(pk__in={module.course_id for module in locked}).order_by("pk"):
        modules_renumber(course=course)  # announces the change of curriculum too
    return removal


@transaction.atomic
def modules_restore(*, modules: QuerySet[Module]) -> list[Module]:
    """Bring archived modules (and their lessons that are not archived themselves)
    back into the curriculum, where they were in their course's order."""
    restored = list(
        Module.objects.select_for_update().filter(pk__in=modules.values("pk"), archived_at__isnull=False)
    )
    now = timezone.now()
    Module.objects.filter(pk__in=[module.pk for module in restored]).update(archived_at=None, updated_at=now)
    curriculum_changed_send(module.course_id for module in restored)
    return restored


# --- Courses ---------------------------------------------------------------------


@transaction.atomic
def course_delete(*, course: Course) -> None:
    """Delete a course nobody enrolled in, bought, reviewed or worked in, with
    its curriculum. Raises CourseHasStudentWork otherwise, having written nothing."""
    Course.objects.select_for_update().filter(pk=course.pk).first()
    counts = student_work_counts(Course, course.pk)
    if counts:
        raise CourseHasStudentWork(counts)
    course.delete()
