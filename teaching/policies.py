"""Who sees the teaching pages, and of which courses: the courses an instructor
teaches (every course for a superuser). Everyone else gets the friendly 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from courses.policies import courses_editable_by, is_course_author

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from courses.models import Course
    from lms.models import User


def can_teach(user: User | AnonymousUser) -> bool:
    """Instructors and superusers have a teaching dashboard."""
    return is_course_author(user)


def courses_taught_by(user: User | AnonymousUser) -> QuerySet[Course]:
    """The courses whose figures, students and revenue the user may see."""
    return courses_editable_by(user)
