"""Reads about purchases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from courses.models import Lesson
from payments.models import Purchase

if TYPE_CHECKING:
    from courses.models import Course
    from lms.models import User

SESSION_ID_MAX_LENGTH = 255


def purchase_of_user(*, user: User, session_id: str) -> Purchase | None:
    """The viewer's own purchase for a Checkout Session id; None for anyone else's."""
    if not session_id or len(session_id) > SESSION_ID_MAX_LENGTH or not user.is_authenticated:
        return None
    return (
        Purchase.objects.select_related("course", "user")
        .filter(user=user, stripe_session_id=session_id)
        .first()
    )


def course_first_lesson(*, course: Course) -> Lesson | None:
    """Where a new student starts: the first lesson of the first module."""
    return (
        Lesson.objects.filter(module__course=course)
        .select_related("module__course")
        .order_by("module__order", "module__pk", "order", "pk")
        .first()
    )
