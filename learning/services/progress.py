"""Writes about lesson progress and course completion. Each rule has one home:

* **The percentage.** `Enrollment.progress_percent` = completed lessons the
  course has now ÷ lessons the course has now (its curriculum: archived lessons
  count neither way), rounded down, at most 100. Only
  `_percentages_store` writes it: one UPDATE over a set of a course's
  enrollments — one student's after their own progress changed
  (`enrollment_progress_update`), all of them after the curriculum changed
  (`course_progress_refresh`), whatever their number. Pages read the field.
* **"Course completed".** `_completions_record`: the first time an active
  enrollment stands at 100 %, `completed_at` is set, its certificate is issued
  and one "Course completed" notification links to it (unique constraints on
  Certificate.enrollment and on the notification back the "one"). Lessons
  added to a finished course lower the percentage but keep `completed_at` and
  the certificate (the student did finish the course as it was) and never
  send a second notification.

Both paths lock the enrollment rows first (in pk order), so a curriculum
change and a student's own write at the same instant queue up and either order
ends with the right percentage.

The curriculum changes in `courses`, and access comes back in `enrollments`,
both below this app: `learning.apps` connects `course_progress_refresh` to
`courses.signals.curriculum_changed` and `enrollment_progress_update` to
`enrollments.signals.access_restored`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone

from courses.models import Lesson
from enrollments.models import Enrollment
from learning.models import Certificate, LessonProgress
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


def enrollment_activity_record(*, enrollment: Enrollment) -> None:
    """The student did something in the course now (the teaching dashboard lists
    students by it). The caller holds the enrollment's lock."""
    enrollment.last_activity_at = timezone.now()
    Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=enrollment.last_activity_at)


def _percentages_store(*, course_id: int, enrollments: QuerySet[Enrollment]) -> None:
    """Write the percentage of `enrollments` (all of course `course_id`) in one
    UPDATE, then record who has just completed the course. The caller holds the
    rows' locks. Progress on lessons moved to another course counts there, not
    here: the lesson's current course decides."""
    curriculum = Lesson.objects.filter(module__course_id=course_id).in_curriculum()
    total = curriculum.count()
    if not total:
        enrollments.exclude(progress_percent=0).update(progress_percent=0)
        return
    done = (
        # Archived lessons (courses.services.archive) count neither way; their rows stay.
        LessonProgress.objects.filter(
            user_id=OuterRef("user_id"), lesson__in=curriculum.values("pk"), completed_at__isnull=False
        )
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    enrollments.update(
        progress_percent=Least(
            Coalesce(Subquery(done, output_field=IntegerField()), Value(0)) * 100 / Value(total),
            Value(100),
            output_field=IntegerField(),
        )
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
    _percentages_store(
        course_id=enrollment.course_id, enrollments=Enrollment.objects.filter(pk=enrollment.pk)
    )
    enrollment.refresh_from_db(fields=["progress_percent", "completed_at"])
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
    enrollment = enrollment_lock_active(user=user, course_id=lesson.module.course_id)
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


@transaction.atomic
def course_progress_refresh(*, course_ids: Iterable[int]) -> None:
    """Recompute the percentage of every enrollment of the given courses after
    their curriculum changed. Per course: one SELECT … FOR UPDATE, one COUNT, one
    UPDATE over all its enrollments, and (only if someone reached 100 %) three
    more for completion — never a query per student.

    Call inside the transaction that changed the curriculum."""
    for course_id in sorted(set(course_ids)):  # a fixed order: concurrent refreshes lock alike
        enrollments = Enrollment.objects.filter(course_id=course_id)
        # Lock the course's enrollment rows first, in pk order (the lock a
        # student's own progress write takes, see `enrollment_lock_active`).
        # Under READ COMMITTED each statement reads the data committed when it
        # starts: without this, the UPDATE could start while a student's
        # `lesson_complete` holds their row, wait for it, and then write a
        # percentage computed from a snapshot without the student's new lesson.
        # Once this returns, those students have committed and the statements
        # below see their work; students who come later wait for this
        # transaction and count the new curriculum themselves.
        list(enrollments.select_for_update().order_by("pk").values_list("pk", flat=True))
        _percentages_store(course_id=course_id, enrollments=enrollments)
