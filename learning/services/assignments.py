"""Writes about assignment submissions: a student sends (or replaces) one, an
instructor reviews it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import Lesson
from enrollments.models import Enrollment
from learning.models import Submission
from learning.services.progress import (
    enrollment_activity_record,
    enrollment_lock_for_lesson,
    lesson_progress_record,
)
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from learning.uploads import FileType
    from lms.models import User


class SubmissionNotAllowed(Exception):
    """The student cannot submit now. The message is for the student."""


class ReviewNotAllowed(Exception):
    """The decision cannot be recorded (another submission of the student for this
    lesson has already passed). The message is for the reviewer."""


REVIEW_DECISIONS = (Submission.Status.PASSED, Submission.Status.NEEDS_WORK)


def submission_review_refusal(*, submission: Submission, status: str) -> str | None:
    """Why `status` cannot be given to `submission`, or None when it can.

    A student has at most one passed submission per lesson (a partial unique
    constraint): passing a second one is refused. `submission_review` asks this
    under the enrollment lock; the admin's form asks it first for a friendly error."""
    if status != Submission.Status.PASSED:
        return None
    other_pass = (
        Submission.objects.filter(
            user_id=submission.user_id, lesson_id=submission.lesson_id, status=Submission.Status.PASSED
        )
        .exclude(pk=submission.pk)
        .order_by()
        .values_list("submitted_at", flat=True)
        .first()
    )
    if other_pass is None:
        return None
    sent = timezone.localtime(other_pass).strftime("%Y-%m-%d %H:%M")
    return (
        f"This student already has a passed submission for this lesson (sent {sent}). "
        "A lesson is passed once: leave this one as needs work, or change the passed one first."
    )


def _file_delete_on_commit(name: str) -> None:
    if name:
        storage = Submission._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def submission_submit(
    *,
    user: User,
    lesson: Lesson,
    text: str = "",
    file: UploadedFile | None = None,
    file_type: FileType | None = None,
) -> Submission:
    """Send work for an assignment lesson. `file` was checked by
    `learning.uploads.submission_file_check`, which gave `file_type`.

    While a submission awaits review, sending again replaces it (text and file;
    a new file replaces the old one, no file keeps it). After "needs work" a new
    submission starts; after a pass nothing more is accepted."""
    if lesson.kind != Lesson.Kind.ASSIGNMENT:
        raise SubmissionNotAllowed("This lesson is not an assignment.")
    enrollment_activity_record(enrollment=enrollment_lock_for_lesson(user=user, lesson=lesson))
    text = (text or "").strip()
    file = file or None  # a cleared ClearableFileInput gives False, not a file
    submissions = list(
        Submission.objects.filter(
            user=user,
            lesson=lesson,
            status__in=[Submission.Status.SUBMITTED, Submission.Status.PASSED],
        )
    )
    if any(s.status == Submission.Status.PASSED for s in submissions):
        raise SubmissionNotAllowed("Your work has passed review: there is nothing more to send.")
    pending = submissions[0] if submissions else None
    if not text and file is None and (pending is None or not pending.file):
        raise SubmissionNotAllowed("Write an answer or attach a file.")
    submission = pending or Submission(user=user, lesson=lesson)
    submission.text = text
    submission.submitted_at = timezone.now()
    if file is not None:
        if pending is not None:
            _file_delete_on_commit(pending.file.name)
        submission.file.save(file.name, file, save=False)
        submission.file_name = file.name[:255]
        submission.file_content_type = file_type.content_type if file_type else "application/octet-stream"
        submission.file_size = file.size
    submission.save()
    return submission


@transaction.atomic
def submission_review(
    *, submission: Submission, reviewer: User, status: str, feedback: str = ""
) -> Submission:
    """Record an instructor's decision (passed or needs work) and tell the student.

    A pass completes the assignment lesson; turning a pass into "needs work"
    takes the completion back. The caller has checked that `reviewer` may
    review this submission (`learning.policies.submissions_reviewable_by`).
    Raises ReviewNotAllowed, writing nothing, when another submission of the
    student for this lesson has already passed and `status` is a pass."""
    if status not in REVIEW_DECISIONS:
        raise ValueError(f"A review decides passed or needs work, not {status!r}.")
    lesson = Lesson.objects.select_related("module__course").get(pk=submission.lesson_id)
    course = lesson.module.course
    # The enrollment lock first, as every other learning write does.
    enrollment = (
        Enrollment.objects.select_for_update().filter(user_id=submission.user_id, course=course).first()
    )
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    refusal = submission_review_refusal(submission=submission, status=status)
    if refusal:
        raise ReviewNotAllowed(refusal)
    previous_status, previous_feedback = submission.status, submission.feedback
    submission.status = status
    submission.feedback = feedback
    submission.reviewed_at = timezone.now()
    submission.reviewed_by = reviewer
    try:
        # Without an enrollment row nothing serialises two reviewers: the
        # constraint decides, inside a savepoint so the caller's transaction survives.
        with transaction.atomic():
            submission.save(update_fields=["status", "feedback", "reviewed_at", "reviewed_by"])
    except IntegrityError:
        raise ReviewNotAllowed(
            submission_review_refusal(submission=submission, status=status)
            or "Another submission of this student for this lesson has just passed."
        ) from None
    if enrollment is not None and enrollment.is_active:
        if status == Submission.Status.PASSED:
            lesson_progress_record(enrollment=enrollment, lesson=lesson, completed=True)
        elif previous_status == Submission.Status.PASSED:
            lesson_progress_record(enrollment=enrollment, lesson=lesson, completed=False)
    if (status, feedback) != (previous_status, previous_feedback):
        verdict = "passed" if status == Submission.Status.PASSED else "needs more work"
        notify(
            users=[submission.user_id],
            kind=Notification.Kind.REVIEW,
            title=f"Assignment reviewed: {lesson.title}",
            message=f"Your work {verdict}." + (f"\n\n{feedback}" if feedback else ""),
            course=course,
            url=f"{lesson.get_absolute_url()}#assignment",
            email_key=f"submission_reviewed:{submission.pk}:{submission.reviewed_at.isoformat()}",
        )
    return submission
