"""Who may see a course, open its lessons, and start an enrollment in it.

A course's status decides who may *join* it; it never takes a course away from
its students: an active enrollment opens the course page and every lesson
whether the course is published, a draft or archived."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

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


class Scheduled(Protocol):
    """A module's schedule: a `courses.models.Module` or a cached `CurriculumModule`."""

    opens_after_days: int | None
    opens_on: date | None


def module_opens_at(module: Scheduled, *, enrolled_at: datetime | None) -> datetime | None:
    """When a scheduled ("drip") module opens to a student enrolled at
    `enrolled_at`: the start of its `opens_on` day, or of the day
    `opens_after_days` after the day they enrolled, in the site's time zone
    (whole days, so that "Opens on 12 January 2027" is exactly true). None when
    it opens with the enrollment, and for a days-after module without an
    enrollment (`enrolled_at` None: it has no date yet). The one home of the
    rule: the lesson pages, the curriculum and "next lesson" all ask it. No query."""
    if module.opens_on is not None:
        day = module.opens_on
    elif module.opens_after_days and enrolled_at is not None:
        day = timezone.localdate(enrolled_at) + timedelta(days=module.opens_after_days)
    else:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def module_closed_until(
    user: User | AnonymousUser,
    module: Scheduled,
    *,
    course: Course,
    enrolled_at: datetime | None,
    now: datetime | None = None,
) -> datetime | None:
    """When `module` opens to `user`, if that is still to come; None when it is
    open to them. The course's instructor and superusers (staff) are never
    locked out; another instructor enrolled as a student is a student.
    `enrolled_at` is the user's enrollment's (None: not enrolled). No query."""
    if module.opens_on is None and not module.opens_after_days:
        return None
    if can_edit_course(user, course):
        return None
    opens_at = module_opens_at(module, enrolled_at=enrolled_at)
    if opens_at is None or opens_at <= (now or timezone.now()):
        return None
    return opens_at


def lesson_closed_until(
    user: User | AnonymousUser,
    lesson: Lesson,
    *,
    course: Course,
    enrolled_at: datetime | None,
    now: datetime | None = None,
) -> datetime | None:
    """When `lesson` opens to `user`, if that is still to come: its module's
    time (`module_closed_until`). A preview lesson never waits: it is open to
    everyone, enrolled or not, whatever its module's schedule. `lesson.module`
    is loaded. No query."""
    if lesson.is_preview:
        return None
    return module_closed_until(user, lesson.module, course=course, enrolled_at=enrolled_at, now=now)


def modules_closed_to(
    user: User | AnonymousUser,
    modules: Iterable[Scheduled],
    *,
    course: Course,
    enrolled_at: datetime | None,
    now: datetime | None = None,
) -> dict[int, datetime]:
    """`module_closed_until` for each of a course's modules (each with a `pk`):
    module pk → when it opens, for those still closed to `user`. No query."""
    now = now or timezone.now()
    closed = {}
    for module in modules:
        opens_at = module_closed_until(user, module, course=course, enrolled_at=enrolled_at, now=now)
        if opens_at is not None:
            closed[module.pk] = opens_at
    return closed


class LessonAccess(Enum):
    ALLOWED = "allowed"
    LOGIN_REQUIRED = "login_required"  # anonymous on a locked lesson: a 403 that offers sign-up, then back
    ENROLLMENT_REQUIRED = "enrollment_required"  # logged in, not enrolled: a 403 that offers enrollment
    NOT_YET_OPEN = "not_yet_open"  # enrolled, its module opens later (drip): a 403 that says when
    NOT_FOUND = "not_found"  # a draft or archived course for anyone but its authors and students


def lesson_access(
    user: User | AnonymousUser,
    lesson: Lesson,
    *,
    course: Course,
    has_active_enrollment: bool,
    enrolled_at: datetime | None = None,
    now: datetime | None = None,
) -> LessonAccess:
    """Who sees a lesson's content.

    `course` is the lesson's course (passed in so the caller's fetch is reused);
    `has_active_enrollment` is whether `user` holds an active enrollment in it,
    `enrolled_at` that enrollment's `enrolled_at` (a module that opens days after
    enrollment stays closed when it is missing). `lesson.module` is loaded. A
    preview lesson stays open to everyone, even in a module not open yet."""
    if can_edit_course(user, course):
        return LessonAccess.ALLOWED
    if has_active_enrollment:
        # Whatever the course's status: it closes to new students only.
        opens_at = lesson_closed_until(
            user, lesson, course=course, enrolled_at=enrolled_at or now or timezone.now(), now=now
        )
        return LessonAccess.ALLOWED if opens_at is None else LessonAccess.NOT_YET_OPEN
    if not course.is_published:
        return LessonAccess.NOT_FOUND
    if lesson.is_preview:
        return LessonAccess.ALLOWED
    if not user.is_authenticated:
        return LessonAccess.LOGIN_REQUIRED
    return LessonAccess.ENROLLMENT_REQUIRED
