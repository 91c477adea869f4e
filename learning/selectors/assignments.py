"""Reads about assignment submissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from learning.models import Submission

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Lesson
    from lms.models import User


def submissions_for_lesson(*, user: User | AnonymousUser, lesson: Lesson) -> list[Submission]:
    """The student's submissions for an assignment lesson, newest first (one query)."""
    if not user.is_authenticated:
        return []
    return list(Submission.objects.filter(user=user, lesson=lesson).order_by("-submitted_at", "-pk"))
