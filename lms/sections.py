"""Page sections: how an app adds to a page that another app hosts, without the
host importing it (README: "Pages").

A host template names a *slot* where others may add — `{% sections "course_page.main" %}`
— and renders there, in order, every section registered for that slot. An app
registers its sections in its `AppConfig.ready`:

    section_register("course_page.purchase", template="payments/includes/buy_button.html")
    section_register("course_page.main", template="community/reviews.html", context=reviews_for, order=10)

A section's template sees the host template's context (the slot documents
what is in it) plus what its `context(host_context)` function returns; the
function returns None to leave the page without the section. It runs while
the page renders, so it must keep the page's query count constant (one query
for the section, never one per item).

Every slot is listed in SLOTS; registering for an unknown slot fails at start-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

SectionContext = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]

SLOTS: dict[str, str] = {
    "course_card.meta": (
        "Items (<li>) of a course card's figures, in the catalogue and on My learning. Context: "
        "course, with every card figure (courses/catalogue.py) annotated."
    ),
    "course_page.meta": (
        "Items (<li>) of the figures under the course page's title. Context: course, with the "
        "card figures of apps above courses annotated; page."
    ),
    "course_page.purchase": (
        "How a paid course is bought, in its call to action (the course page, a preview "
        "lesson's and a locked lesson's page), to visitors too. Context: course, request, user; "
        "next (the page to come back to after signing up or logging in, the course page when "
        "empty) and buy_note (a locked lesson: what buying opens)."
    ),
    "instructor_page.meta": (
        "Items (<li>) of the figures under an instructor's name on their page "
        "(courses/instructors.py). Context: instructor, with every instructor figure annotated; page."
    ),
    "course_page.main": (
        "The course page, below the curriculum and the instructor. Context: course, page "
        "(learning.selectors.pages.CoursePage), request, user."
    ),
    "course_completed.main": (
        "The course-completed page of a student who finished the course, below the "
        "congratulations and the certificate. Context: course, page "
        "(learning.selectors.pages.CompletionPage: its enrollment is the student's), request, user."
    ),
    "lesson_page.main": (
        "A lesson page a viewer may open, below the lesson and its actions. Context: course, "
        "lesson, page (learning.selectors.pages.LessonPage), request, user."
    ),
}


@dataclass(frozen=True)
class Section:
    slot: str
    template: str
    context: SectionContext | None
    order: int


_sections: dict[str, list[Section]] = {slot: [] for slot in SLOTS}


def section_register(
    slot: str, *, template: str, context: SectionContext | None = None, order: int = 100
) -> Section:
    if slot not in SLOTS:
        raise LookupError(f"No page slot {slot!r}; the slots are {', '.join(SLOTS)}.")
    section = Section(slot=slot, template=template, context=context, order=order)
    _sections[slot] = sorted([*_sections[slot], section], key=lambda s: s.order)
    return section


def sections_for(slot: str) -> list[Section]:
    return _sections[slot]
