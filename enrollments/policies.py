"""Who may see a course, open its lessons, and start an enrollment in it.

A course's status decides who may *join* it; it never takes a course away from
its students: an active enrollment opens the course page and every lesson
whether the course is published, a draft or archived."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from courses import policies as course_policies
from courses.models import Course
from courses.policies import can_edit_course
from enrollments.models import Enrollment

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Lesson
    from lms.models import User


def courses_visible_to(user: User | AnonymousUser) -> QuerySet[Course]:
    """The courses whose pages `user` may open: published ones, those they may
    edit (courses.policies.courses_visible_to) and every course they are
    actively enrolled in, whatever its status."""
    visible = course_policies.courses_visible_to(user)
    if not user.is_authenticated:
        return visible
    enrolled = Enrollment.objects.active().filter(user=user, course=OuterRef("pk"))
    return visible | Course.objects.filter(Exists(enrolled))


def enrollment_refusal(*, user: User | AnonymousUser, course: Course) -> str | None:
    """Why `user` may not start an enrollment in `course` (enroll for free or buy
    it), in words for them; None when they may. One rule for the course page's
    call to action, the free enrollment service and checkout. No query."""
    if user.is_authenticated and course.instructor_id == user.pk:
        return (
            "You teach this course, so you cannot enroll in it or buy it. "
            "Open its lessons to preview them as your students see them."
        )
    if not course.is_published:
        return "This course is closed to new students: it cannot be bought or joined."
    return None


class LessonAccess(Enum):
    ALLOWED = "allowed"
    LOGIN_REQUIRED = "login_required"  # anonymous on a locked lesson: a 403 that offers sign-up, then back
    ENROLLMENT_REQUIRED = "enrollment_required"  # logged in, not enrolled: a 403 that offers enrollment
    NOT_FOUND = "not_found"  # a draft or archived course for anyone but its authors and students


def lesson_access(
    user: User | AnonymousUser, lesson: Lesson, *, course: Course, has_active_enrollment: bool
) -> LessonAccess:
    """Who sees a lesson's content.

    `course` is the lesson's course (passed in so the caller's fetch is reused);
    `has_active_enrollment` is whether `user` holds an active enrollment in it."""
    if can_edit_course(user, course):
        return LessonAccess.ALLOWED
    if has_active_enrollment:
        return LessonAccess.ALLOWED  # whatever the course's status: it closes to new students only
    if not course.is_published:
        return LessonAccess.NOT_FOUND
    if lesson.is_preview:
        return LessonAccess.ALLOWED
    if not user.is_authenticated:
        return LessonAccess.LOGIN_REQUIRED
    return LessonAccess.ENROLLMENT_REQUIRED
