"""What discussions add to pages other apps host: a lesson's newest questions
on the lesson page (the `lesson_page.main` slot, lms/sections.py). Imported
by `CommunityConfig.ready`."""

from collections.abc import Mapping
from typing import Any

from community.discussions.policies import can_discuss
from community.discussions.selectors import lesson_questions_newest
from lms.sections import section_register


def lesson_questions_context(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """For those who may read the course's discussions only (one query); nothing for anyone else."""
    page = context["page"]  # learning.selectors.pages.LessonPage
    if not can_discuss(context["user"], page.course, is_enrolled=page.is_enrolled):
        return None
    return {"questions": lesson_questions_newest(lesson=page.lesson), "can_moderate": page.can_edit}


section_register(
    "lesson_page.main",
    template="community/discussions/includes/lesson_questions.html",
    context=lesson_questions_context,
    order=10,
)
