"""Who may announce to a course's students, and who reads the announcements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from courses.policies import courses_editable_by

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from courses.models import Course
    from lms.models import User


def courses_announceable_by(user: User | AnonymousUser) -> QuerySet[Course]:
    """The courses whose students the user may write to: the ones they teach (all for a superuser)."""
    return courses_editable_by(user)
