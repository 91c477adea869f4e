"""What students did with a course's content, found without importing the apps
that record it.

*Student work* is a row of any app that points at content with
`on_delete=PROTECT`: a lesson's progress, its quiz's attempts and its
submissions (`learning`), its questions (`community.discussions`); a course's
enrollments, purchases and reviews. `courses` sits below those apps and never
imports them: it walks Django's model graph instead (`_meta.related_objects`),
following its own cascades (a course's modules, a module's lessons, a lesson's
quiz, a quiz's questions) down to every relation that protects.

So the database-level rule and the authoring rule are one fact: what Django
refuses to delete under a student (ProtectedError, from a shell, a bulk
queryset delete or a course deleted with everything in it) is exactly what the
authoring services archive instead of deleting (courses.services.archive). An
app that adds a kind of student work declares its foreign key PROTECT and is
covered; tests/courses/test_archive.py names the ones there are today."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.db import models

PROTECTING = (models.PROTECT, models.RESTRICT)


@dataclass(frozen=True)
class WorkPath:
    model: type[models.Model]  # the student work's model
    lookup: str  # from a row of it to the content's primary key


@cache
def student_work_paths(content: type[models.Model]) -> tuple[WorkPath, ...]:
    """Every protecting relation that reaches `content` (a courses model), directly
    or through courses' own cascades. Computed once per process: the model graph
    is fixed once the apps are loaded."""
    paths: list[WorkPath] = []

    def walk(model: type[models.Model], lookup_to_content: str) -> None:
        for relation in model._meta.related_objects:
            if relation.many_to_many:
                continue
            lookup = relation.field.name + (f"__{lookup_to_content}" if lookup_to_content else "")
            if relation.on_delete in PROTECTING:
                paths.append(WorkPath(relation.related_model, lookup))
            elif relation.on_delete is models.CASCADE and relation.related_model._meta.app_label == "courses":
                walk(relation.related_model, lookup)

    walk(content, "")
    return tuple(paths)


def touched_ids(content: type[models.Model], ids: Iterable[int]) -> set[int]:
    """The primary keys among `ids` of `content` rows some student work points at:
    one query per kind of student work, stopping once every row is known touched."""
    remaining = set(ids)
    touched: set[int] = set()
    for path in student_work_paths(content):
        if not remaining:
            break
        found = set(
            path.model._base_manager.filter(**{f"{path.lookup}__in": sorted(remaining)})
            .order_by()
            .values_list(path.lookup, flat=True)
            .distinct()
        )
        touched |= found
        remaining -= found
    return touched


def student_work_counts(content: type[models.Model], pk: int) -> list[tuple[str, int]]:
    """(verbose name plural, number) of each kind of student work on one row of
    `content`, for a refusal that says what is at stake without listing it."""
    counts = []
    for path in student_work_paths(content):
        n = path.model._base_manager.filter(**{path.lookup: pk}).count()
        if n:
            counts.append((str(path.model._meta.verbose_name_plural), n))
    return counts
