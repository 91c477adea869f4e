"""Who may read and write a course's discussions, accept an answer, change a
post and moderate. One rule, written twice side by side: `can_discuss` for a
course whose viewer the page has already read, `in_courses_discussable_by`
as a query, so that a question or a lesson is fetched through the user and
an id in a URL never reaches a thread the user may not read."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from community.discussions.models import Question, Reply
from courses.models import Course, Lesson
from courses.policies import can_edit_course, in_courses_authored_by, is_course_author
from enrollments.models import Enrollment
from enrollments.policies import lesson_closed_until
from lms.models import User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from community.discussions.models import Post

M = TypeVar("M", bound=Model)


def can_discuss(user: User | AnonymousUser, course: Course, *, is_enrolled: bool) -> bool:
    """Whether `user` reads and writes the discussions of `course`: its authors
    (the instructor, superusers), and students with an active enrollment
    (`is_enrolled`), whatever the course's status; the people who may open every
    lesson of it (enrollments.policies.lesson_access). A revoked student, a
    visitor of the free previews and anyone else on a draft may not."""
    if can_edit_course(user, course):
        return True
    return bool(user.is_authenticated and is_enrolled)


def in_courses_discussable_by(
    queryset: QuerySet[M], user: User | AnonymousUser, *, course: str
) -> QuerySet[M]:
    """The rows of `queryset` in courses whose discussions `user` may read
    (`can_discuss` as a query); `course` is the lookup from a row to its course."""
    if not user.is_authenticated:
        return queryset.none()
    if is_course_author(user) and user.is_superuser:
        return queryset
    allowed = Q(Exists(Enrollment.objects.active().filter(user=user, course=OuterRef(course))))
    if is_course_author(user):
        allowed |= Q(**{f"{course}__instructor": user})
    return queryset.filter(allowed)


def discussion_closed_until(
    user: User | AnonymousUser, lesson: Lesson, *, now: datetime | None = None
) -> datetime | None:
    """When the questions of `lesson` open to `user`, if still to come: with
    the lesson itself, when its module opens to them (drip,
    enrollments.policies.lesson_closed_until). The caller fetched the lesson
    through `lessons_discussable_by` with its module and course. One query,
    only for a lesson of a scheduled module."""
    module = lesson.module
    if module.opens_on is None and not module.opens_after_days:
        return None
    course = module.course
    enrolled_at = (
        Enrollment.objects.active()
        .filter(user=user, course=course)
        .values_list("enrolled_at", flat=True)
        .first()
    )
    return lesson_closed_until(user, lesson, course=course, enrolled_at=enrolled_at, now=now)


def lessons_discussable_by(user: User | AnonymousUser) -> QuerySet[Lesson]:
    return in_courses_discussable_by(Lesson.objects.all(), user, course="module__course")


def questions_readable_by(user: User | AnonymousUser) -> QuerySet[Question]:
    return in_courses_discussable_by(Question.objects.all(), user, course="lesson__module__course")


def readers_among(*, course: Course, user_ids: set[int]) -> QuerySet[User]:
    """Those of `user_ids` who may still read the course's discussions
    (`can_discuss`): a reply is not announced to a student whose access ended."""
    may = Q(is_superuser=True) | Q(pk=course.instructor_id, is_instructor=True)
    may |= Exists(Enrollment.objects.active().filter(user=OuterRef("pk"), course=course))
    return User.objects.filter(may, pk__in=user_ids, is_active=True)


def can_moderate(user: User | AnonymousUser, course: Course) -> bool:
    """The course's instructor and staff hide and show its posts."""
    return can_edit_course(user, course)


def questions_moderated_by(
    user: User | AnonymousUser, *, among: QuerySet[Question] | None = None
) -> QuerySet[Question]:
    """The questions (of `among`, default all) of the courses the user teaches
    (every course for a superuser; none for someone who teaches nothing)."""
    questions = Question.objects.all() if among is None else among
    return in_courses_authored_by(questions, user, course="lesson__module__course")


def replies_moderated_by(user: User | AnonymousUser) -> QuerySet[Reply]:
    return in_courses_authored_by(Reply.objects.all(), user, course="question__lesson__module__course")


def can_accept_answer(user: User | AnonymousUser, question: Question, course: Course) -> bool:
    """The question's author, or the course's instructor (and staff), marks its answer."""
    if not user.is_authenticated:
        return False
    return question.author_id == user.pk or can_edit_course(user, course)


def can_edit_post(user: User | AnonymousUser, post: Post, *, now: datetime | None = None) -> bool:
    """The author changes their own post for EDIT_WINDOW after posting it, while it is not hidden."""
    if not user.is_authenticated or post.author_id != user.pk or post.is_hidden:
        return False
    return (now or timezone.now()) < post.editable_until


def rate_limit_applies(user: User, course: Course) -> bool:
    """Students' posting is limited (DISCUSSION_POSTS_PER_WINDOW); the course's
    instructor and staff answering a backlog are not."""
    return not can_edit_course(user, course)
