"""Writes about reviews. Every write that moves a course's figures refreshes
them in its own transaction (`course_rating_refresh`), after taking the
course's CourseRating row lock, so that concurrent writes queue up and the
last one counts everything committed before it. Locks are taken in the house
order: the author's enrollment, the review, then the course's figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from community.models import REVIEW_MAX_LENGTH, CourseRating, Review
from community.policies import review_refusal
from community.selectors import reviews_counted
from enrollments.models import Enrollment
from learning.selectors.percentages import progress_current_annotation, progress_current_apply
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from courses.models import Course
    from lms.models import User


class ReviewNotAllowed(Exception):
    """The user may not write this review now; the message says why."""


@dataclass(frozen=True)
class ReviewSaved:
    review: Review
    created: bool


def course_rating_refresh(*, course_id: int) -> CourseRating:
    """Recompute the course's figures from the reviews that count, under the
    lock of its CourseRating row. Call inside the transaction of the write."""
    CourseRating.objects.bulk_create([CourseRating(course_id=course_id)], ignore_conflicts=True)
    rating = CourseRating.objects.select_for_update().get(course_id=course_id)
    # A statement that starts after the lock: it sees every write committed before it.
    figures = reviews_counted(course_id=course_id).aggregate(
        count=Count("pk"),
        total=Sum("rating"),
        **{f"stars_{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)},
    )
    rating.count = figures["count"]
    rating.average = (
        (Decimal(figures["total"]) / figures["count"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if figures["count"]
        else None
    )
    for n in range(1, 6):
        setattr(rating, f"stars_{n}", figures[f"stars_{n}"])
    rating.save()
    return rating


@transaction.atomic
def review_save(*, user: User, course: Course, rating: int, body: str) -> ReviewSaved:
    """Write the student's review of the course, or change the one they wrote
    (it then shows "edited"). A double submit or two tabs give one review: the
    enrollment lock queues them and a unique constraint backs it. Raises
    ReviewNotAllowed, writing nothing, when the student may not review."""
    body = body.strip()
    if not 1 <= rating <= 5 or len(body) > REVIEW_MAX_LENGTH:
        raise ValueError("A rating is 1 to 5 stars and a review at most 5,000 characters.")
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(user=user, course=course)
        .annotate(**progress_current_annotation())
        .first()
    )
    progress_current_apply([enrollment])  # the current percentage, even before its job ran
    refusal = review_refusal(user=user, course=course, enrollment=enrollment)
    if refusal:
        raise ReviewNotAllowed(refusal)
    review = Review.objects.select_for_update().filter(user=user, course=course).first()
    created = False
    if review is None:
        try:
            with transaction.atomic():
                review = Review.objects.create(user=user, course=course, rating=rating, body=body)
            created = True
        except IntegrityError:  # written by a request that did not hold the lock
            review = Review.objects.select_for_update().get(user=user, course=course)
    if not created and (review.rating, review.body) != (rating, body):
        review.rating, review.body, review.edited_at = rating, body, timezone.now()
        review.save(update_fields=["rating", "body", "edited_at"])
    course_rating_refresh(course_id=course.pk)
    return ReviewSaved(review=review, created=created)


@transaction.atomic
def review_delete(*, user: User, course: Course) -> bool:
    """Delete the user's own review of the course (whatever their access now).
    Returns whether there was one."""
    Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    deleted, _ = Review.objects.filter(user=user, course=course).delete()
    if deleted:
        course_rating_refresh(course_id=course.pk)
    return bool(deleted)


def _review_url(review: Review) -> str:
    return f"{reverse('community:reviews', kwargs={'slug': review.course.slug})}#review-{review.pk}"


@transaction.atomic
def review_answer(*, review: Review, body: str) -> Review:
    """The instructor's answer to a review: one per review, editable. The
    student is told the first time. The caller has checked that the answerer
    teaches the course (`community.policies.reviews_answerable_by`)."""
    review = Review.objects.select_for_update().select_related("course").get(pk=review.pk)
    body = body.strip()
    now = timezone.now()
    first = review.replied_at is None
    if first:
        review.reply, review.replied_at = body, now
    elif review.reply != body:
        review.reply, review.reply_edited_at = body, now
    else:
        return review
    review.save(update_fields=["reply", "replied_at", "reply_edited_at"])
    if first:
        notify(
            users=[review.user_id],
            kind=Notification.Kind.REVIEW_REPLY,
            title=f"The instructor answered your review of “{review.course.title}”",
            message=body[:500],
            course=review.course,
            url=_review_url(review),
            email_key=f"review_answered:{review.pk}",
        )
    return review


@transaction.atomic
def review_hide(*, review: Review, by: User, reason: str) -> Review:
    """Staff take a review off the page and out of the figures, and tell its author why."""
    review = Review.objects.select_for_update().select_related("course").get(pk=review.pk)
    if review.is_hidden:
        return review
    review.hidden_at, review.hidden_by, review.hidden_reason = timezone.now(), by, reason.strip()
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    course_rating_refresh(course_id=review.course_id)
    notify(
        users=[review.user_id],
        kind=Notification.Kind.REVIEW_HIDDEN,
        title=f"Your review of “{review.course.title}” was hidden",
        message=f"A moderator hid it: {review.hidden_reason}",
        course=review.course,
        url=_review_url(review),
        email_key=f"review_hidden:{review.pk}:{review.hidden_at.isoformat()}",
    )
    return review


@transaction.atomic
def review_show(*, review: Review) -> Review:
    """Staff put a hidden review back."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.is_hidden:
        return review
    review.hidden_at, review.hidden_by, review.hidden_reason = None, None, ""
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    course_rating_refresh(course_id=review.course_id)
    return review
