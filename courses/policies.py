"""Who may do what with courses, modules and lessons.

Every view, the admin and later apps ask these functions; nothing else decides
access. The "which objects" answers are QuerySets, so that authorization
happens inside the query (an id in a URL never reaches an object the user may
not have)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet

from courses.models import Choice, Course, Lesson, Module, Question, Quiz

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.models import User

M = TypeVar("M", bound=Model)


def is_course_author(user: User | AnonymousUser) -> bool:
    """May use the admin to author courses at all."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_instructor))


def in_courses_authored_by(queryset: QuerySet[M], user: User | AnonymousUser, *, course: str) -> QuerySet[M]:
    """The rows of `queryset` that belong to a course `user` may author (every
    row for a superuser, none for someone who is not an author); `course` is
    the lookup from a row to its course ("" for courses themselves). Every
    "which rows of their courses may this author see" answer is built on it."""
    if not is_course_author(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{course}__instructor" if course else "instructor": user})


def courses_editable_by(user: User | AnonymousUser) -> QuerySet[Course]:
    return in_courses_authored_by(Course.objects.all(), user, course="")


def can_restore_archived(user: User | AnonymousUser) -> bool:
    """Archived content (courses.services.archive) is a superuser's to see and
    restore: it has left the curriculum its instructor edits."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def modules_editable_by(user: User | AnonymousUser) -> QuerySet[Module]:
    modules = Module.objects.all() if can_restore_archived(user) else Module.objects.in_curriculum()
    return in_courses_authored_by(modules, user, course="course")


def lessons_editable_by(user: User | AnonymousUser) -> QuerySet[Lesson]:
    lessons = Lesson.objects.all() if can_restore_archived(user) else Lesson.objects.in_curriculum()
    return in_courses_authored_by(lessons, user, course="module__course")


def quizzes_editable_by(user: User | AnonymousUser) -> QuerySet[Quiz]:
    return in_courses_authored_by(Quiz.objects.all(), user, course="lesson__module__course")


def questions_editable_by(user: User | AnonymousUser) -> QuerySet[Question]:
    return in_courses_authored_by(Question.objects.all(), user, course="quiz__lesson__module__course")


def choices_editable_by(user: User | AnonymousUser) -> QuerySet[Choice]:
    return in_courses_authored_by(Choice.objects.all(), user, course="question__quiz__lesson__module__course")


def can_choose_course_instructor(user: User | AnonymousUser) -> bool:
    """Only a superuser says (or changes) who teaches a course; an instructor's
    new course is their own."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def can_edit_course(user: User | AnonymousUser, course: Course) -> bool:
    if not is_course_author(user):
        return False
    return bool(user.is_superuser or course.instructor_id == user.pk)


def courses_visible_to(user: User | AnonymousUser) -> QuerySet[Course]:
    """Published courses, plus drafts the user may edit (shown with a Draft banner)."""
    published = Q(status=Course.Status.PUBLISHED)
    if not is_course_author(user):
        return Course.objects.filter(published)
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(published | Q(instructor=user))
