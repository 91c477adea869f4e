"""Writes about enrollments and notifications. Every grant of course access
goes through `enrollment_grant`; the (user, course) unique constraint makes it
exactly-once even when two requests race."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from enrollments.models import Enrollment, Notification
from enrollments.progress_services import enrollment_progress_update

if TYPE_CHECKING:
    from courses.models import Course
    from lms.models import User
    from payments.models import Purchase


class EnrollmentNotAllowed(Exception):
    """The course cannot be joined this way (a draft, or a paid course without a purchase)."""


@dataclass(frozen=True)
class EnrollmentResult:
    enrollment: Enrollment
    created: bool  # False: the user already had an active enrollment


def notification_create(
    *, user: User, kind: str, title: str, message: str = "", course: Course | None = None
) -> Notification:
    return Notification.objects.create(user=user, kind=kind, title=title, message=message, course=course)


def _enrolled_notification(*, user: User, course: Course) -> None:
    notification_create(
        user=user,
        kind=Notification.Kind.ENROLLED,
        title="Course enrolled!",
        message=f"You are enrolled in “{course.title}”. Happy learning!",
        course=course,
    )


@transaction.atomic
def enrollment_grant(*, user: User, course: Course, purchase: Purchase | None = None) -> EnrollmentResult:
    """Give `user` active access to `course`, exactly once.

    Creates the enrollment and one "Course enrolled!" notification; an already
    active enrollment is returned untouched (no second notification); a revoked
    one is re-activated (a new purchase after a refund). Safe under concurrent
    calls: the unique constraint on (user, course) decides the race, and the
    loser reads the winner's row."""
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError must not poison the caller
            enrollment = Enrollment.objects.create(user=user, course=course, purchase=purchase)
    except IntegrityError:
        enrollment = Enrollment.objects.select_for_update().get(user=user, course=course)
        if enrollment.status == Enrollment.Status.ACTIVE:
            return EnrollmentResult(enrollment=enrollment, created=False)
        enrollment.status = Enrollment.Status.ACTIVE
        if purchase is not None:
            enrollment.purchase = purchase
        enrollment.save(update_fields=["status", "purchase"])
        # The curriculum may have changed while access was revoked.
        enrollment_progress_update(enrollment=enrollment)
    _enrolled_notification(user=user, course=course)
    return EnrollmentResult(enrollment=enrollment, created=True)


def enrollment_create_free(*, user: User, course: Course) -> EnrollmentResult:
    """Free enrollment (POST /courses/<slug>/enroll/): published free courses only."""
    if not course.is_published or not course.is_free:
        raise EnrollmentNotAllowed
    return enrollment_grant(user=user, course=course)


@transaction.atomic
def enrollment_restore(*, enrollment: Enrollment, reason: str) -> Enrollment:
    """Give back access that was suspended (a dispute the seller won). The
    student hears why; it is not a new enrollment, so no "Course enrolled!"."""
    if enrollment.status == Enrollment.Status.ACTIVE:
        return enrollment
    enrollment.status = Enrollment.Status.ACTIVE
    enrollment.save(update_fields=["status"])
    notification_create(
        user=enrollment.user,
        kind=Notification.Kind.PAYMENT,
        title="Course access restored",
        message=reason,
        course=enrollment.course,
    )
    # The curriculum may have changed while access was suspended.
    enrollment_progress_update(enrollment=enrollment)
    return enrollment


@transaction.atomic
def enrollment_revoke(*, enrollment: Enrollment) -> Enrollment:
    """Take access away (a refund or a dispute). The row stays, so progress
    survives if access is restored."""
    if enrollment.status != Enrollment.Status.REVOKED:
        enrollment.status = Enrollment.Status.REVOKED
        enrollment.save(update_fields=["status"])
    return enrollment


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read. Returns the
    number changed; another user's notification id changes nothing."""
    unread = Notification.objects.filter(user=user, read=False)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read=True)
