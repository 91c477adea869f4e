"""The part of community's course page sections that is the same for every
viewer — the rating summary, the newest reviews with their answers, the newest
announcements — rendered once and kept in the shared cache (Redis in
production), so that a student's course page renders only what is their own:
their review or the form to write one, the instructor's answer forms.

A fragment's key holds the values of the version names of lms/page_cache.py
that name what it shows, so a cached fragment is never stale and nothing is
ever deleted (old ones age out):
- the reviews: "course:<slug>" (bumped by every review and rating write,
  community/page_versions.py, and so by every enrollment revoked or given back
  that moves a review in or out, through the rating refresh), "people"
  (reviewers' names), "site" (templates, after a deploy), and the course's
  figures as annotated on it (no query: the summary is rendered from them);
- the announcements: the course's talk version (courses/page_versions.py,
  bumped by every announcement written, community/discussions/page_versions.py),
  "people" (authors' names) and "site".

The versions are read (one `get_many`) before anything else; on a miss the
rows are read after them, so a write that commits meanwhile bumps a version
again and the fragment is stored under a value nobody looks up any more. A hit
costs two cache round trips and no SQL.

Fragments are rendered from a context without the request: no CSRF token, no
viewer, no form can be in them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from community.announcements.selectors import announcements_newest
from community.models import CourseRating
from community.selectors import COURSE_PAGE_REVIEWS, course_rating_of, reviews_for_course
from courses.page_versions import course_talk_version_name, course_version_name
from lms.page_cache import PEOPLE, SITE, versions_get

if TYPE_CHECKING:
    from courses.models import Course

# Any write makes a new key, so this only frees memory.
FRAGMENT_TIMEOUT = 24 * 3600
# The shape of what is stored (the dataclasses below): a new one, a new prefix, so that
# servers of two releases side by side never read each other's.
_PREFIX = "community:fragment:1:"
_REQUEST_MEMO = "_community_course_fragments"


@dataclass(frozen=True)
class ReviewItem:
    """One review of the list: its content rendered (author, stars, text, the
    instructor's answer), and what the instructor's answer form needs."""

    pk: int
    html: SafeString
    reply: str
    replied_at: datetime | None


@dataclass(frozen=True)
class ReviewsFragment:
    summary: SafeString  # the rating summary
    items: tuple[ReviewItem, ...]  # the newest reviews that count
    count: int  # the reviews that count, all of them ("All 1234 reviews")


@dataclass(frozen=True)
class CourseFragments:
    course_id: int
    reviews: ReviewsFragment
    announcements: SafeString | None  # None: not asked for (the viewer does not see them)


def _reviews_names(slug: str) -> list[str]:
    return [SITE, PEOPLE, course_version_name(slug)]


def _announcements_names(slug: str) -> list[str]:
    return [SITE, PEOPLE, course_talk_version_name(slug)]


def _key(kind: str, slug: str, values: Iterable[str]) -> str:
    # Dates are shown in the active language and time zone.
    parts = (kind, slug, get_language() or "", timezone.get_current_timezone_name(), *values)
    return _PREFIX + hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()


def _figures(rating: CourseRating) -> list[str]:
    return [str(rating.average), *(str(getattr(rating, f"stars_{n}")) for n in range(1, 6))]


def _reviews_render(course: Course, rating: CourseRating) -> ReviewsFragment:
    """One query: the newest reviews."""
    reviews = list(reviews_for_course(course=course)[:COURSE_PAGE_REVIEWS])
    summary = render_to_string("community/includes/rating_summary.html", {"rating": rating})
    items = tuple(
        ReviewItem(
            pk=review.pk,
            html=render_to_string("community/includes/review_content.html", {"review": review}),
            reply=review.reply,
            replied_at=review.replied_at,
        )
        for review in reviews
    )
    return ReviewsFragment(summary=summary, items=items, count=rating.count)


def _announcements_render(course: Course) -> SafeString:
    """One query: the newest announcements with their authors."""
    return render_to_string(
        "community/announcements/includes/announcement_list.html",
        {"announcements": announcements_newest(course=course)},
    )


def course_fragments_get(
    *, course: Course, request: HttpRequest | None, announcements: bool
) -> CourseFragments:
    """The shared fragments of the course's page: from the cache (no query),
    else rendered and stored. `course` comes with its figures annotated
    (`course_rating_of`); `announcements`: whether the viewer sees them.
    Read once a request (kept on it): the sections of the page ask in turn."""
    memo = getattr(request, _REQUEST_MEMO, None)
    if (
        memo is not None
        and memo.course_id == course.pk
        and (memo.announcements is not None or not announcements)
    ):
        return memo
    rating = course_rating_of(course)
    names = {"reviews": _reviews_names(course.slug)}
    if announcements:
        names["announcements"] = _announcements_names(course.slug)
    current = versions_get(dict.fromkeys(name for group in names.values() for name in group))
    # The figures were read with the course, before these versions: in the key, a
    # fragment rendered with figures a write has just changed is found only by the
    # requests that read the same figures.
    extra = {"reviews": _figures(rating), "announcements": []}
    keys = {
        kind: _key(kind, course.slug, [*(current[name] for name in group), *extra[kind]])
        for kind, group in names.items()
    }
    render = {
        "reviews": lambda: _reviews_render(course, rating),
        "announcements": lambda: _announcements_render(course),
    }
    found = cache.get_many(list(keys.values()))
    parts, missing = {}, {}
    for kind, key in keys.items():
        parts[kind] = found.get(key)
        if parts[kind] is None:
            parts[kind] = missing[key] = render[kind]()
    if missing:
        cache.set_many(missing, FRAGMENT_TIMEOUT)
    fragments = CourseFragments(
        course_id=course.pk, reviews=parts["reviews"], announcements=parts.get("announcements")
    )
    if request is not None:
        setattr(request, _REQUEST_MEMO, fragments)
    return fragments
