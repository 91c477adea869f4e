"""Moving lessons and modules in a course's curriculum: the curriculum tree on
the course's admin page (courses/admin/tree.py) calls these, for a drag and
drop and for its keyboard buttons alike.

A position counts the rows in the curriculum only (the tree shows no archived
lesson or module); archived rows keep their place relative to the others, so
a restored lesson comes back near where it was. Orders stay dense (0..n-1).

Locks: the course row first, then its modules, then the lessons of the modules
involved, each in primary-key order: the order `course_delete` and
`modules_renumber` take them, so two moves in one course queue up on the
course row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from courses.models import Course, Lesson, Module
from courses.policies import courses_editable_by
from courses.services.authoring import curriculum_changed_send

if TYPE_CHECKING:
    from lms.models import User

Row = TypeVar("Row", Lesson, Module)


class MoveRefused(Exception):
    """The move is not one the curriculum allows (a module of another course, an
    archived lesson or module). Nothing was written."""


def _course_locked(*, course_id: int, by: User) -> Course:
    course = courses_editable_by(by).select_for_update().filter(pk=course_id).first()
    if course is None:
        raise PermissionDenied("You may not edit this course.")
    return course


def _placed(rows: Sequence[Row], moving: Row, position: int | None) -> list[Row]:
    """`rows` (in their order, without `moving`) with `moving` put before the
    row in the curriculum at `position`, or last."""
    placed = list(rows)
    visible = [row for row in placed if row.archived_at is None]
    if position is None or position >= len(visible):
        placed.append(moving)
    else:
        placed.insert(placed.index(visible[max(position, 0)]), moving)
    return placed


def _renumbered(rows: Sequence[Model], now) -> list[Model]:
    """Give `rows` the orders 0..n-1; the rows whose order changed."""
    changed = []
    for index, row in enumerate(rows):
        if row.order != index:
            row.order = index
            row.updated_at = now  # the curriculum's cache version (courses/curriculum.py) reads it
            changed.append(row)
    return changed


@transaction.atomic
def lesson_move(*, lesson: Lesson, module: Module, position: int | None, by: User) -> bool:
    """Put `lesson` at `position` (from 0, among the lessons of `module` in the
    curriculum; None or past the end: last) in `module`, a module of its own
    course, and renumber the modules it left and joined. Sends
    `curriculum_changed` once when anything moved; returns whether it did.

    Raises PermissionDenied when `by` may not edit the course, MoveRefused when
    `module` is in another course or archived, or the lesson is archived."""
    course_id = Module.objects.filter(pk=lesson.module_id).values_list("course_id", flat=True).first()
    course = _course_locked(course_id=course_id, by=by)
    modules = {row.pk: row for row in Module.objects.select_for_update().filter(course=course).order_by("pk")}
    current = Lesson.objects.filter(pk=lesson.pk).values("module_id", "archived_at").first()
    if current is None or current["module_id"] not in modules:
        raise MoveRefused("This lesson is no longer in this course.")
    source, target = modules[current["module_id"]], modules.get(module.pk)
    if target is None:
        raise MoveRefused("A lesson moves only to a module of its own course.")
    if target.archived_at is not None or source.archived_at is not None or current["archived_at"]:
        raise MoveRefused("Archived lessons and modules are out of the curriculum: restore them first.")
    rows = list(
        Lesson.objects.select_for_update()
        .filter(module_id__in={source.pk, target.pk})
        .order_by("pk")
        .only("pk", "module_id", "order", "archived_at", "updated_at")
    )
    rows.sort(key=lambda row: (row.order, row.pk))
    moving = next(row for row in rows if row.pk == lesson.pk)
    now = timezone.now()
    changed = _renumbered(
        _placed([row for row in rows if row.module_id == target.pk and row is not moving], moving, position),
        now,
    )
    if source.pk != target.pk:
        moving.module_id = target.pk
        moving.updated_at = now
        if moving not in changed:
            changed.append(moving)
        changed += _renumbered([row for row in rows if row.module_id == source.pk and row is not moving], now)
    if not changed:
        return False
    Lesson.objects.bulk_update(changed, ["module", "order", "updated_at"])
    lesson.module_id, lesson.order = moving.module_id, moving.order
    curriculum_changed_send([course.pk])
    return True


@transaction.atomic
def module_move(*, module: Module, position: int | None, by: User) -> bool:
    """Put `module` at `position` (from 0, among its course's modules in the
    curriculum; None or past the end: last). Sends `curriculum_changed` once
    when anything moved; returns whether it did.

    Raises PermissionDenied when `by` may not edit the course, MoveRefused when
    the module is archived."""
    course_id = Module.objects.filter(pk=module.pk).values_list("course_id", flat=True).first()
    course = _course_locked(course_id=course_id, by=by)
    rows = list(Module.objects.select_for_update().filter(course=course).order_by("pk"))
    moving = next((row for row in rows if row.pk == module.pk), None)
    if moving is None or moving.archived_at is not None:
        raise MoveRefused("Archived modules are out of the curriculum: restore them first.")
    rows.sort(key=lambda row: (row.order, row.pk))
    changed = _renumbered(
        _placed([row for row in rows if row is not moving], moving, position), timezone.now()
    )
    if not changed:
        return False
    Module.objects.bulk_update(changed, ["order", "updated_at"])
    module.order = moving.order
    curriculum_changed_send([course.pk])
    return True
