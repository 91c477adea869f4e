"""The one home of the progress percentage rule, as SQL the ORM writes.

An enrollment's percentage = its student's completed lessons that are in the
course's curriculum now ÷ the lessons in the curriculum now (archived lessons
count neither way), rounded down, at most 100; 0 for a course without lessons.

`Enrollment.progress_percent` stores it for the course's `curriculum_revision`
written beside it (`progress_revision`). A curriculum change only bumps the
course's revision (courses.services.authoring, one UPDATE): from that instant
the stored percentages of its students are stale, and

* every reader annotates `progress_percent_current_expression()`: the stored
  value while its revision is the course's, else the rule computed in the same
  query (a correlated subquery PostgreSQL runs only for a stale row);
* a job (`learning.tasks.progress_refresh`) stores the new values in batches,
  with `UPDATE … WHERE progress_revision < the course's revision`;
* a student's own write stores `percent_expression()` and the revision it was
  computed for in one UPDATE (one snapshot: the two always agree).

So a stored percentage is either right for the revision beside it, or older
than the course's and then not believed."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, Count, Expression, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, Least

from courses.models import Course, Lesson
from enrollments.models import Enrollment
from learning.models import LessonProgress
from lms.sql import precompiled


def _count(queryset, group: str) -> Expression:
    return Coalesce(
        Subquery(
            queryset.order_by().values(group).annotate(n=Count("pk")).values("n"), output_field=IntegerField()
        ),
        Value(0),
    )


def curriculum_revision_expression() -> Expression:
    """The current `curriculum_revision` of the course of the enrollment row."""
    return Subquery(
        Course.objects.filter(pk=OuterRef("course_id")).values("curriculum_revision")[:1],
        output_field=IntegerField(),
    )


def percent_expression() -> Expression:
    """The percentage of the enrollment row, computed now from its student's
    progress and its course's curriculum (the rule; see the module docstring)."""
    total = Lesson.objects.filter(module__course_id=OuterRef("course_id")).in_curriculum()
    # From the course's lessons to the (user, lesson) index: a probe per lesson,
    # not a walk through everything the student ever completed in other courses.
    done = LessonProgress.objects.filter(
        user_id=OuterRef("user_id"),
        completed_at__isnull=False,
        lesson_id__in=Lesson.objects.filter(module__course_id=OuterRef(OuterRef("course_id")))
        .in_curriculum()
        .values("pk"),
    )
    # done <= total, and done is 0 when total is: no division by zero, no CASE.
    return Least(
        _count(done, "user_id") * Value(100) / Greatest(_count(total, "module__course_id"), Value(1)),
        Value(100),
        output_field=IntegerField(),
    )


def _current(revision: int | None = None) -> Expression:
    current = curriculum_revision_expression() if revision is None else Value(revision)
    return Case(
        When(progress_revision__gte=current, then=F("progress_percent")),
        default=percent_expression(),
        output_field=IntegerField(),
    )


def progress_percent_current_expression(*, course: Course | None = None) -> Expression:
    """The percentage the student stands at now, for the enrollment row it is
    annotated on: the stored one unless the curriculum changed since. Pass the
    `course` when every row is of that (loaded) course: its revision is then a
    constant instead of a lookup per row (the teaching pages sort 100,000 rows
    by it). Compiled once per process (lms/sql.py) when no course is given."""
    if course is not None:
        return _current(course.curriculum_revision)
    return precompiled(Enrollment, _current)


def stale_enrollments(queryset=None):
    """Enrollments whose stored percentage is of an older curriculum."""
    queryset = Enrollment.objects.all() if queryset is None else queryset
    return queryset.filter(progress_revision__lt=curriculum_revision_expression())


CURRENT = "progress_current"


def progress_current_annotation(*, course: Course | None = None) -> dict[str, Expression]:
    """`**` into `annotate()` (or `viewer_enrollment`) of enrollments a page
    shows; then `progress_current_apply` them."""
    return {CURRENT: progress_percent_current_expression(course=course)}


def progress_current_apply(enrollments: Iterable[Enrollment | None]) -> None:
    """Put the current percentage where templates and policies read it
    (`progress_percent`) on enrollments annotated with `progress_current_annotation`.
    The instances are for display: services lock and re-read their rows."""
    for enrollment in enrollments:
        if enrollment is not None and hasattr(enrollment, CURRENT):
            enrollment.progress_percent = getattr(enrollment, CURRENT)
