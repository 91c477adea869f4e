"""Who may do what with courses, modules and lessons.

Every view, the admin and later apps ask these functions; nothing else decides
access. The "which objects" answers are QuerySets, so that authorization
happens inside the query (an id in a URL never reaches an object the user may
not have)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from courses.models import Choice, Course, Lesson, Module, Question, Quiz

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.models import User


def is_course_author(user: User | AnonymousUser) -> bool:
    """May use the admin to author courses at all."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_instructor))


def courses_editable_by(user: User | AnonymousUser) -> QuerySet[Course]:
    if not is_course_author(user):
        return Course.objects.none()
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(instructor=user)


def modules_editable_by(user: User | AnonymousUser) -> QuerySet[Module]:
    return Module.objects.filter(course__in=courses_editable_by(user))


def lessons_editable_by(user: User | AnonymousUser) -> QuerySet[Lesson]:
    return Lesson.objects.filter(module__course__in=courses_editable_by(user))


def quizzes_editable_by(user: User | AnonymousUser) -> QuerySet[Quiz]:
    return Quiz.objects.filter(lesson__module__course__in=courses_editable_by(user))


def questions_editable_by(user: User | AnonymousUser) -> QuerySet[Question]:
    return Question.objects.filter(quiz__lesson__module__course__in=courses_editable_by(user))


def choices_editable_by(user: User | AnonymousUser) -> QuerySet[Choice]:
    return Choice.objects.filter(question__quiz__lesson__module__course__in=courses_editable_by(user))


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
