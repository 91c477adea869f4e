"""Who may review a course, answer its reviews and moderate them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet

from community.models import Review
from courses.policies import in_courses_authored_by

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Course
    from enrollments.models import Enrollment
    from lms.models import User


def review_refusal(
    *, user: User | AnonymousUser, course: Course, enrollment: Enrollment | None
) -> str | None:
    """Why `user` may not review `course` now, in words for them; None when they
    may. Only real students: an active enrollment (not the instructor, not a
    refunded or disputed student) that has completed REVIEW_MIN_PROGRESS
    percent of the course. `enrollment` is the user's enrollment in the course."""
    threshold = settings.REVIEW_MIN_PROGRESS
    complete = f"complete {threshold}% of the course" if threshold else ""
    if not user.is_authenticated:
        return f"Students review a course once they {complete or 'enroll'}. Log in to review it."
    if course.instructor_id == user.pk:
        return "You teach this course: you answer its reviews instead of writing one."
    if enrollment is None:
        return f"Enroll in this course{' and ' + complete if complete else ''} to review it."
    if not enrollment.is_active:
        return "Your access to this course has ended, so you cannot review it."
    if enrollment.progress_percent < threshold:
        return f"Complete {threshold}% of the course to review it. You are at {enrollment.progress_percent}%."
    return None


def reviews_answerable_by(user: User | AnonymousUser) -> QuerySet[Review]:
    """The reviews of the courses the user teaches (all of them for a superuser)."""
    return in_courses_authored_by(Review.objects.all(), user, course="course")


def can_moderate_reviews(user: User | AnonymousUser) -> bool:
    """Site staff hide and show reviews; an instructor never moderates the
    reviews of their own course (that would be the gaming reviews exist to avoid)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm("community.moderate_review"))
    )


def reviews_visible_in_admin_to(user: User | AnonymousUser) -> QuerySet[Review]:
    if can_moderate_reviews(user):
        return Review.objects.all()
    return reviews_answerable_by(user)
