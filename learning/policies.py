"""Who may see and review assignment submissions. The admin and the private
download view ask the same functions, so the answers cannot drift apart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from courses.policies import courses_editable_by, in_courses_authored_by, is_course_author
from learning.models import Certificate, Submission

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.models import User


def submissions_reviewable_by(user: User | AnonymousUser) -> QuerySet[Submission]:
    """Submissions to the courses the user teaches (all of them for a superuser)."""
    return in_courses_authored_by(Submission.objects.all(), user, course="lesson__module__course")


def submissions_visible_to(user: User | AnonymousUser) -> QuerySet[Submission]:
    """The student's own submissions, plus those the user may review."""
    if not user.is_authenticated or not user.is_active:
        return Submission.objects.none()
    if user.is_superuser:
        return Submission.objects.all()
    if is_course_author(user):
        return Submission.objects.filter(
            Q(user=user) | Q(lesson__module__course__in=courses_editable_by(user))
        )
    return Submission.objects.filter(user=user)


def certificates_viewable_by(user: User | AnonymousUser) -> QuerySet[Certificate]:
    """In the admin: the certificates of the courses the user teaches (all for a superuser)."""
    return in_courses_authored_by(Certificate.objects.all(), user, course="enrollment__course")
