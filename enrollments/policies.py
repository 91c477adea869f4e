"""Who may open a lesson (the backlog's TASK-010). The lesson page asks here;
the discussions of a lesson will ask the same."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from courses.policies import can_edit_course

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Course, Lesson
    from lms.models import User


class LessonAccess(Enum):
    ALLOWED = "allowed"
    LOGIN_REQUIRED = "login_required"  # anonymous on a locked lesson: log in, then come back
    ENROLLMENT_REQUIRED = "enrollment_required"  # logged in, not enrolled: a 403 that offers enrollment
    NOT_FOUND = "not_found"  # a draft course for anyone but its authors


def lesson_access(
    user: User | AnonymousUser, lesson: Lesson, *, course: Course, has_active_enrollment: bool
) -> LessonAccess:
    """Who sees a lesson's content.

    `course` is the lesson's course (passed in so the caller's fetch is reused);
    `has_active_enrollment` is whether `user` holds an active enrollment in it."""
    if can_edit_course(user, course):
        return LessonAccess.ALLOWED
    if not course.is_published:
        return LessonAccess.NOT_FOUND
    if lesson.is_preview:
        return LessonAccess.ALLOWED
    if not user.is_authenticated:
        return LessonAccess.LOGIN_REQUIRED
    if has_active_enrollment:
        return LessonAccess.ALLOWED
    return LessonAccess.ENROLLMENT_REQUIRED
