"""Writes to the course structure."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from courses.models import Course, Lesson, Module
from enrollments.progress_services import course_progress_refresh


def _renumber(queryset) -> None:
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


@transaction.atomic
def modules_renumber(*, course: Course) -> None:
    """Make the course's module order dense (0..n-1), keeping the current sequence.

    Called after every change to a course's modules, so it also brings every
    enrollment's progress up to date (modules and their lessons may be gone)."""
    # Lock the course row so two concurrent reorders of one course queue up.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    _renumber(Module.objects.filter(course=course))
    course_progress_refresh(course_ids=[course.pk])


@transaction.atomic
def lessons_renumber(*, module: Module) -> None:
    """Make the module's lesson order dense (0..n-1), keeping the current sequence.

    Called after every change to a module's lessons, so it also brings every
    enrollment's progress in the module's course up to date."""
    Module.objects.select_for_update().filter(pk=module.pk).first()
    _renumber(Lesson.objects.filter(module=module))
    course_progress_refresh(course_ids=[module.course_id])


def module_next_order(*, course: Course) -> int:
    current = Module.objects.filter(course=course).aggregate(m=Max("order"))["m"]
    return 0 if current is None else current + 1


def lesson_next_order(*, module: Module) -> int:
    current = Lesson.objects.filter(module=module).aggregate(m=Max("order"))["m"]
    return 0 if current is None else current + 1
