"""Writes about enrollments. Every grant of course access goes through
`enrollment_grant`; the (user, course) unique constraint makes it exactly-once
even when two requests race.

`Enrollment.purchase` names the payment that holds the access up (a model
reference by name: `payments` sits above this app, so these functions take
the purchase's id and never import it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from enrollments.models import Enrollment
from enrollments.policies import enrollment_refusal
from enrollments.signals import access_restored, access_revoked
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from courses.models import Course
    from lms.models import User


class EnrollmentNotAllowed(Exception):
    """The course cannot be joined this way (not published, its own instructor, or a
    paid course without a purchase). The message is for the student."""


@dataclass(frozen=True)
class EnrollmentResult:
    enrollment: Enrollment
    created: bool  # False: the user already had an active enrollment


def _reactivate(enrollment: Enrollment, *, purchase_id: int | None) -> None:
    enrollment.status = Enrollment.Status.ACTIVE
    fields = ["status"]
    if purchase_id is not None:
        enrollment.purchase_id = purchase_id
        fields.append("purchase")
    enrollment.save(update_fields=fields)
    access_restored.send(sender=Enrollment, enrollment=enrollment)


# No savepoint of its own when called inside a transaction (a purchase's, holding
# its lock): the only error it lets out ends the caller's transaction anyway.
@transaction.atomic(savepoint=False)
def enrollment_grant(*, user: User, course: Course, purchase_id: int | None = None) -> EnrollmentResult:
    """Give `user` active access to `course`, exactly once.

    Creates the enrollment and one "Course enrolled!" notification; an already
    active enrollment is returned untouched (no second notification); a revoked
    one is re-activated (a new purchase after a refund). Safe under concurrent
    calls: the unique constraint on (user, course) decides the race, and the
    loser reads the winner's row."""
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError must not poison the caller
            enrollment = Enrollment.objects.create(user=user, course=course, purchase_id=purchase_id)
    except IntegrityError:
        enrollment = Enrollment.objects.select_for_update().get(user=user, course=course)
        if enrollment.status == Enrollment.Status.ACTIVE:
            return EnrollmentResult(enrollment=enrollment, created=False)
        _reactivate(enrollment, purchase_id=purchase_id)
    notify(
        users=[user],
        kind=Notification.Kind.ENROLLED,
        title="Course enrolled!",
        message=f"You are enrolled in “{course.title}”. Happy learning!",
        course=course,
    )
    return EnrollmentResult(enrollment=enrollment, created=True)


def enrollment_create_free(*, user: User, course: Course) -> EnrollmentResult:
    """Free enrollment (POST /courses/<slug>/enroll/): published free courses only,
    never by their own instructor (`enrollment_refusal`). A student already
    enrolled is told so, whatever the course's status. Raises EnrollmentNotAllowed
    having written nothing."""
    refusal = enrollment_refusal(user=user, course=course)
    if refusal is None and not course.is_free:
        refusal = "This course is not free: buy it to enroll."
    if refusal is not None:
        existing = Enrollment.objects.active().filter(user=user, course=course).first()
        if existing is not None:
            return EnrollmentResult(enrollment=existing, created=False)
        raise EnrollmentNotAllowed(refusal)
    return enrollment_grant(user=user, course=course)


@transaction.atomic
def enrollment_restore(*, enrollment: Enrollment, title: str, reason: str, email_key: str) -> Enrollment:
    """Give back access that was suspended (a dispute the seller won). The
    student hears why (`title`, `reason`, e-mailed once per `email_key`); it is
    not a new enrollment, so no "Course enrolled!". The caller holds the
    enrollment's lock."""
    if enrollment.status == Enrollment.Status.ACTIVE:
        return enrollment
    _reactivate(enrollment, purchase_id=None)
    notify(
        users=[enrollment.user_id],
        kind=Notification.Kind.PAYMENT,
        title=title,
        message=reason,
        course=enrollment.course,
        email_key=email_key,
    )
    return enrollment


@transaction.atomic
def enrollment_revoke(*, enrollment: Enrollment) -> Enrollment:
    """Take access away (a refund or a dispute). The row stays, so progress
    survives if access is restored. The caller holds the enrollment's lock."""
    if enrollment.status != Enrollment.Status.REVOKED:
        enrollment.status = Enrollment.Status.REVOKED
        enrollment.save(update_fields=["status"])
        access_revoked.send(sender=Enrollment, enrollment=enrollment)
    return enrollment


def enrollment_purchase_move(*, enrollment: Enrollment, purchase_id: int) -> Enrollment:
    """Let another payment of the same student for the same course hold the
    access up (the one that did is refunded or disputed). The caller holds the
    enrollment's lock, inside its transaction."""
    enrollment.purchase_id = purchase_id
    enrollment.save(update_fields=["purchase"])
    return enrollment
