"""Figures counted at most once a minute: the one home of that rule.

A figure that reads every row of something growing with a course's students
(its enrollments, lesson progress, quiz attempts) is counted at most once every
COUNTS_CACHE_SECONDS per course, kept in the shared cache with the moment it was
counted, and the page says when ("Counted at 14:02"). At ten times the students
a page then costs what it did. What an instructor acts on (submissions to
review, unanswered questions, newest reviews) is never counted here: it is
read whenever the page is drawn (at least once a minute: teaching/views/common.py),
and their own action shows at once.

A page that shows a figure changes by itself when the figure is counted again:
the logged-in page cache keeps it no longer than that (`page_changes_at`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from django.core.cache import cache

from lms.user_page_cache import page_changes_at

COUNTS_CACHE_SECONDS = 60

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Counted(Generic[T]):
    """A figure and when it was counted."""

    value: T
    as_of: datetime


def counted(*, key: str, now: datetime, count: Callable[[], T]) -> Counted[T]:
    """`count()` as counted at most COUNTS_CACHE_SECONDS ago under `key` (which
    names the course and anything that must make a new count at once; a key
    another shape of value was kept under must not be reused)."""
    found = cache.get(key)
    if found is None:
        found = Counted(value=count(), as_of=now)
        cache.set(key, found, COUNTS_CACHE_SECONDS)
    _shown(found)
    return found


def counted_many(
    *, keys: dict[K, str], now: datetime, count: Callable[[list[K]], dict[K, T]], missing: T
) -> dict[K, Counted[T]]:
    """`counted` for several items (courses) at once: one read of the cache, and
    one `count(items)` of the items not counted in the last COUNTS_CACHE_SECONDS
    (an item it does not return is `missing`)."""
    found = cache.get_many(list(keys.values()))
    result = {item: found[key] for item, key in keys.items() if key in found}
    todo = [item for item in keys if item not in result]
    if todo:
        values = count(todo)
        fresh = {item: Counted(value=values.get(item, missing), as_of=now) for item in todo}
        cache.set_many({keys[item]: figure for item, figure in fresh.items()}, COUNTS_CACHE_SECONDS)
        result.update(fresh)
    for figure in result.values():
        _shown(figure)
    return result


def _shown(figure: Counted) -> None:
    page_changes_at(figure.as_of + timedelta(seconds=COUNTS_CACHE_SECONDS))


def oldest(figures: list[Counted]) -> datetime | None:
    """When the oldest of `figures` was counted (what a page of them says)."""
    return min((figure.as_of for figure in figures), default=None)
