from __future__ import annotations

from typing import TYPE_CHECKING

from community.announcements.models import Announcement

if TYPE_CHECKING:
    from courses.models import Course

COURSE_PAGE_ANNOUNCEMENTS = 5


def announcements_newest(*, course: Course, limit: int = COURSE_PAGE_ANNOUNCEMENTS) -> list[Announcement]:
    """The course's newest announcements, with their authors (one query)."""
    return list(Announcement.objects.filter(course=course).select_related("author")[:limit])
