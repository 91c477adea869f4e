"""The viewer's own facts that the course page and the lesson page lay over the
curriculum every student of the course shares (cached, courses/curriculum.py):
which lessons they completed (the ticks), read in the query that loads their
enrollment instead of a query of its own (issue 13: one query fewer a page).

The rule is `learning.selectors.progress.completed_lesson_ids_get`'s: the
student's lesson progress rows in the course with `completed_at` set."""

from __future__ import annotations

import json

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Aggregate, Expression, OuterRef, Subquery, TextField

from enrollments.models import Enrollment
from learning.models import LessonProgress
from lms.sql import precompiled

COMPLETED_IDS = "completed_lesson_ids_row"


class _JsonGroupArray(Aggregate):
    # SQLite: the ids as a JSON array in one text value.
    function = "JSON_GROUP_ARRAY"
    output_field = TextField()


def _completed_ids() -> Expression:
    completed = LessonProgress.objects.filter(
        user_id=OuterRef("user_id"),
        lesson__module__course_id=OuterRef("course_id"),
        completed_at__isnull=False,
    ).order_by()
    if connection.vendor == "postgresql":
        return ArraySubquery(completed.values("lesson_id"))
    return Subquery(completed.values("user_id").annotate(ids=_JsonGroupArray("lesson_id")).values("ids"))


def completed_lesson_ids_annotation() -> dict[str, Expression]:
    """Annotations for the viewer's enrollment query (enrollments.selectors.viewer_enrollment):
    their completed lessons of its course. Compiled once per process (lms/sql.py)."""
    return {COMPLETED_IDS: precompiled(Enrollment, _completed_ids)}


def completed_lesson_ids_of(enrollment: Enrollment | None) -> frozenset[int]:
    """The completed lessons annotated on `enrollment`; none unless it is active
    (a former student's page shows no ticks, as it shows no progress)."""
    if enrollment is None or not enrollment.is_active:
        return frozenset()
    ids = getattr(enrollment, COMPLETED_IDS)
    if isinstance(ids, str):
        ids = json.loads(ids)
    return frozenset(ids or ())
