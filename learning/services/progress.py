"""Writes about lesson progress and course completion. Each rule has one home:

* **The percentage.** The rule is `learning.selectors.percentages.percent_expression`.
  Only `_percentages_store` writes `Enrollment.progress_percent`, with the
  course's curriculum revision it is for: one UPDATE over a set of a course's
  enrollments — one student's after their own progress changed
  (`enrollment_progress_update`), the stale ones, a batch at a time, in the
  job a curriculum change enqueues (`course_progress_refresh`). Pages read
  `progress_percent_current_expression`: the stored value, or the rule
  computed on read while the job has not reached the row.
* **"Course completed".** `_completions_record`: the first time an active
  enrollment stands at 100 % *stored*, `completed_at` is set, its certificate
  is issued and one "Course completed" notification links to it (unique
  constraints on Certificate.enrollment and on the notification back the
  "one"). Lessons added to a finished course lower the percentage but keep
  `completed_at` and the certificate (the student did finish the course as it
  was) and never send a second notification. A lesson archived that leaves a
  student at 100 % completes the course when the job (or the student's next
  write) stores it.

Both writers lock the enrollment rows first (in pk order), so the job and a
student's own write at the same instant queue up and either order ends with
the right percentage (see `course_progress_refresh`).

The curriculum changes in `courses`, and access comes back in `enrollments`,
both below this app: `learning.receivers` enqueues the refresh job on
`courses.signals.curriculum_changed` and calls `enrollment_progress_update` on
`enrollments.signals.access_restored`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from courses.models import Lesson
from enrollments.models import Enrollment
from enrollments.policies import lesson_closed_until
from learning.models import Certificate, LessonProgress
from learning.selectors.percentages import (
    curriculum_revision_expression,
    percent_expression,
    stale_enrollments,
)
from lms.user_page_cache import user_pages_bump
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from lms.models import User

# Lessons the student marks themself; quizzes complete by passing, assignments
# by an approved submission.
SELF_MARKED_KINDS = frozenset({Lesson.Kind.VIDEO, Lesson.Kind.TEXT})


class ProgressNotAllowed(Exception):
    """No progress may be recorded: no active enrollment, or a lesson kind the
    student does not mark themself. The message is for the student."""


def enrollment_lock_active(*, user: User, course_id: int) -> Enrollment:
    """Lock and return the user's active enrollment in the course.

    Call inside a transaction. Every write about one student's learning in a
    course takes this lock first, so they queue up in one order (no deadlocks)."""
    if not user.is_authenticated:
        raise ProgressNotAllowed("Log in and enroll to record your progress.")
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(user=user, course_id=course_id, status=Enrollment.Status.ACTIVE)
        .first()
    )
    if enrollment is None:
        raise ProgressNotAllowed("Only students enrolled in this course can record progress.")
    return enrollment


def enrollment_lock_for_lesson(*, user: User, lesson: Lesson) -> Enrollment:
    """`enrollment_lock_active` for work on `lesson` (marking it, a quiz, an
    assignment), which must also be open to the student: ProgressNotAllowed,
    saying when, while its module is not open yet (drip,
    `enrollments.policies.lesson_access`). `lesson.module.course` is loaded.
    Call inside a transaction."""
    enrollment = enrollment_lock_active(user=user, course_id=lesson.module.course_id)
    course = lesson.module.course
    opens_at = lesson_closed_until(user, lesson, course=course, enrolled_at=enrollment.enrolled_at)
    if opens_at is not None:
        opens_on = date_format(timezone.localtime(opens_at), "j F Y")
        raise ProgressNotAllowed(
            f"“{lesson.title}” is part of “{lesson.module.title}”, which opens to you on {opens_on}. "
            "Nothing can be recorded on it before then."
        )
    return enrollment


def enrollment_activity_record(*, enrollment: Enrollment) -> None:
    """The student did something in the course now (the teaching dashboard lists
    students by it). The caller holds the enrollment's lock."""
    enrollment.last_activity_at = timezone.now()
    Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=enrollment.last_activity_at)


def _percentages_store(*, enrollments: QuerySet[Enrollment], stale_only: bool = False) -> None:
    """Write the percentage of `enrollments` (`percent_expression`, the rule) and
    the curriculum revision it is for, in one UPDATE (one snapshot: they agree),
    then record who has just completed the course. With `stale_only`, rows
    already at the course's revision keep theirs. The caller holds the rows'
    locks. Progress on lessons moved to another course counts there, not here:
    the lesson's current course decides."""
    (stale_enrollments(enrollments) if stale_only else enrollments).update(
        progress_percent=percent_expression(), progress_revision=curriculum_revision_expression()
    )
    _completions_record(enrollments=enrollments)


def _completions_record(*, enrollments: QuerySet[Enrollment]) -> None:
    reached = list(
        enrollments.select_for_update(of=("self",))
        .filter(progress_percent=100, completed_at__isnull=True, status=Enrollment.Status.ACTIVE)
        .select_related("course__instructor", "user")
    )
    if not reached:
        return
    now = timezone.now()
    Enrollment.objects.filter(pk__in=[e.pk for e in reached]).update(completed_at=now)
    user_pages_bump(e.user_id for e in reached)  # their certificate (no signal from these writes)
    course = reached[0].course
    Certificate.objects.bulk_create(
        [
            Certificate(
                enrollment=e,
                student_name=e.user.display_name,
                course_title=course.title,
                instructor_name=course.instructor.display_name,
                completed_at=now,
            )
            for e in reached
        ],
        ignore_conflicts=True,  # one per enrollment (a unique constraint), whoever came first
    )
    codes = Certificate.objects.filter(enrollment__in=[e.pk for e in reached]).values_list(
        "enrollment__user_id", "code"
    )
    notify(
        users=[e.user_id for e in reached],
        kind=Notification.Kind.COMPLETED,
        title="Course completed",
        message=f"You completed “{course.title}”. Well done! Your certificate is ready.",
        course=course,
        urls={user_id: reverse("learning:certificate", kwargs={"code": code}) for user_id, code in codes},
        email_key=f"completed:{course.pk}:{now.isoformat()}",
    )


def enrollment_progress_update(*, enrollment: Enrollment) -> Enrollment:
    """Recompute one enrollment's percentage and completion, and read them back
    into `enrollment`. The caller holds its lock (see `enrollment_lock_active`)."""
    _percentages_store(enrollments=Enrollment.objects.filter(pk=enrollment.pk))
    enrollment.refresh_from_db(fields=["progress_percent", "progress_revision", "completed_at"])
    return enrollment


def lesson_progress_record(*, enrollment: Enrollment, lesson: Lesson, completed: bool) -> bool:
    """Set or clear the completion of `lesson` for the enrollment's student and
    recompute the percentage. Returns whether anything changed.

    The caller holds the lock on `enrollment`, which is active and of the
    lesson's course; any lesson kind is accepted (quiz and assignment services
    call this when a quiz is passed or a submission approved)."""
    progress, _ = LessonProgress.objects.get_or_create(user_id=enrollment.user_id, lesson=lesson)
    if progress.is_completed == completed:
        return False
    progress.completed_at = timezone.now() if completed else None
    progress.save(update_fields=["completed_at", "updated_at"])
    enrollment_progress_update(enrollment=enrollment)
    return True


def _self_marked_lesson_set(*, user: User, lesson: Lesson, completed: bool) -> Enrollment:
    if lesson.kind not in SELF_MARKED_KINDS:
        if lesson.kind == Lesson.Kind.QUIZ:
            raise ProgressNotAllowed("A quiz lesson is completed by passing its quiz.")
        raise ProgressNotAllowed("An assignment lesson is completed when your submission is approved.")
    enrollment = enrollment_lock_for_lesson(user=user, lesson=lesson)
    enrollment_activity_record(enrollment=enrollment)
    lesson_progress_record(enrollment=enrollment, lesson=lesson, completed=completed)
    return enrollment


@transaction.atomic
def lesson_complete(*, user: User, lesson: Lesson) -> Enrollment:
    """The student marks a video or text lesson complete. Idempotent.
    Raises ProgressNotAllowed without writing anything when they may not."""
    return _self_marked_lesson_set(user=user, lesson=lesson, completed=True)


@transaction.atomic
def lesson_incomplete(*, user: User, lesson: Lesson) -> Enrollment:
    """The student marks a video or text lesson not complete again. Idempotent."""
    return _self_marked_lesson_set(user=user, lesson=lesson, completed=False)


def course_enrollments_lock(*, course_ids: Iterable[int]) -> None:
    """Lock every enrollment row of the given courses, course by course and in pk
    order (the order `course_progress_refresh` takes them in). Call inside a
    transaction: content is about to be removed (`courses.signals.curriculum_removing`),
    and a student's write in flight, which holds its enrollment's lock, must
    commit first so that the removal sees it."""
    for course_id in sorted(set(course_ids)):
        list(
            Enrollment.objects.filter(course_id=course_id)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )


# Enrollments a refresh locks and updates at a time: a student's own write
# waits at most for one batch.
REFRESH_BATCH = 1_000


def _jit_off() -> None:
    """A batch's UPDATE looks costly enough to PostgreSQL for it to JIT-compile
    it: a quarter of a second a batch, more than running it (measured on the
    bench: 544 ms a batch of 1,000 with JIT, most of it compiling)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def course_progress_refresh(*, course_ids: Iterable[int], batch: int = REFRESH_BATCH) -> int:
    """Store the current percentage of every enrollment of the courses whose
    stored one is of an older curriculum (`stale_enrollments`); returns how
    many rows it refreshed. Run by the job `learning.tasks.progress_refresh`
    that a curriculum change enqueues: never inside the admin's request.

    A batch at a time, each in its own transaction: lock the batch's rows still
    stale (in pk order, the lock a student's write takes first), then one
    UPDATE that again skips rows no longer stale. Under READ COMMITTED the
    UPDATE is a new statement that sees every student's write committed
    before the locks were granted; a student's write that comes later waits
    for the batch, then stores the current revision itself. Either order ends
    right, and running it twice (or two at once) changes nothing."""
    refreshed = 0
    for course_id in sorted(set(course_ids)):
        stale = stale_enrollments(Enrollment.objects.filter(course_id=course_id))
        pks = list(stale.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch):
            with transaction.atomic():
                _jit_off()
                locked = list(
                    stale.filter(pk__in=pks[start : start + batch])
                    .select_for_update()
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
                if locked:
                    _percentages_store(enrollments=Enrollment.objects.filter(pk__in=locked), stale_only=True)
                    refreshed += len(locked)
    return refreshed
