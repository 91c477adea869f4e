"""What the teaching views share: the course a URL names, fetched through the
courses the user teaches (anyone else gets the friendly 404), and CSV cells a
spreadsheet will not run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from teaching.selectors.analytics import course_get_taught

if TYPE_CHECKING:
    from courses.models import Course

# A spreadsheet runs a cell that starts with one of these as a formula; names,
# titles and e-mail addresses are what people typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def course_or_404(request, slug: str) -> Course:
    course = course_get_taught(slug=slug, user=request.user)
    if course is None:
        raise Http404("No such course")
    return course


def csv_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe before a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
