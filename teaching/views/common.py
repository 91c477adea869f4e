"""What the teaching views share: the course a URL names, fetched through the
courses the user teaches (anyone else gets the friendly 404), how long a page
is kept whole for its viewer, and CSV cells a spreadsheet will not run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.http import Http404
from django.utils import timezone

from lms.page_cache import VersionNames
from lms.user_page_cache import page_changes_at, user_page_cached
from teaching.selectors.analytics import course_get_taught
from teaching.selectors.counted import COUNTS_CACHE_SECONDS

if TYPE_CHECKING:
    from courses.models import Course

# A spreadsheet runs a cell that starts with one of these as a formula; names,
# titles and e-mail addresses are what people typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def teaching_page_cached(versions: VersionNames) -> Callable:
    """Keep the page whole for its viewer (lms/user_page_cache.py) for at most
    COUNTS_CACHE_SECONDS: it shows what students do (their submissions, questions,
    progress), which bumps no version of the viewer's, so it is drawn again at
    least once a minute, as its figures are counted (and sooner when a figure it
    shows was counted earlier: teaching.selectors.counted). What `versions` names
    (the course's own content) and what the viewer does themselves renew it at
    once. The page says when it was drawn (templates/teaching/includes/drawn_at.html)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def drawn(request, *args: Any, **kwargs: Any):
            page_changes_at(timezone.now() + timedelta(seconds=COUNTS_CACHE_SECONDS))
            return view(request, *args, **kwargs)

        return user_page_cached(versions)(drawn)

    return decorator


def teaching_dashboard_versions(**kwargs) -> list[str]:
    """The dashboard shows courses by whom they are taught, not by address: no
    content version of its own (see `teaching_page_cached`, teaching/page_versions.py)."""
    return []


def course_or_404(request, slug: str) -> Course:
    course = course_get_taught(slug=slug, user=request.user)
    if course is None:
        raise Http404("No such course")
    return course


def csv_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe before a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
