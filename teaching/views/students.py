"""The students of a course, for the people who teach it: the page
(/teach/courses/<slug>/students/) and the CSV of every one of them
(/teach/courses/<slug>/students.csv). Anyone else logged in gets the friendly
404; a visitor is sent to log in first (an expired session, say)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from courses.page_versions import course_page_versions
from teaching.selectors.students import (
    DEFAULT_STUDENT_SORT,
    STUDENT_SORTS,
    ExportRow,
    course_quizzes,
    student_ids,
    student_rows,
    students_for_export,
)
from teaching.views.common import course_or_404, csv_cell, teaching_page_cached

STUDENTS_PAGE_SIZE = 25
CSV_HEADER = (
    "email",
    "name",
    "enrolled_at",
    "status",
    "progress_percent",
    "completed_at",
    "last_activity_at",
)
# The CSV goes out in pieces of about this many characters: the server writes
# a few large pieces rather than one small write per student.
CSV_PIECE_SIZE = 32 * 1024


@dataclass(frozen=True)
class SortLink:
    """A sortable column's header link: its query string, and how the table is
    sorted by it now ("descending", "ascending" or "" for not)."""

    params: str
    state: str


def _params(query: str, sort: str) -> dict[str, str]:
    return {"q": query, "sort": sort} if query else {"sort": sort}


def _sort_links(*, query: str, sort: str) -> dict[str, SortLink]:
    """A column sorts descending first (most recent, most progress); the
    current column's link turns the order round. Each link keeps the search."""
    links = {}
    for column in ("activity", "progress"):
        state = {f"-{column}": "descending", column: "ascending"}.get(sort, "")
        target = column if state == "descending" else f"-{column}"
        links[column] = SortLink(params=urlencode(_params(query, target)), state=state)
    return links


@teaching_page_cached(course_page_versions)  # the course, its curriculum and who enrolled
@require_safe
@login_required
def students(request, slug: str):
    course = course_or_404(request, slug)
    # PostgreSQL refuses a NUL character in a text comparison: drop it rather than fail.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    sort = request.GET.get("sort", DEFAULT_STUDENT_SORT)
    if sort not in STUDENT_SORTS:
        sort = DEFAULT_STUDENT_SORT
    ids = student_ids(course=course, query=query, sort=sort)
    # get_page: a page past the end shows the last page, garbage shows the first.
    page = Paginator(ids, STUDENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    quizzes = course_quizzes(course=course)
    context = {
        "course": course,
        "page": page,
        "rows": student_rows(ids=page.object_list, sort=sort, quizzes=quizzes, course=course),
        "quizzes": quizzes,
        "query": query,
        "sort": sort,
        "sort_label": STUDENT_SORTS[sort].label,
        "sort_links": _sort_links(query=query, sort=sort),
        "page_params": urlencode(_params(query, sort)) + "&",
    }
    return render(request, "teaching/students.html", context)


def _moment(value: datetime | None) -> str:
    """ISO 8601 in UTC to the second ("2025-03-01T09:30:00Z"); empty for none."""
    if value is None:
        return ""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _csv_pieces(rows: Iterable[ExportRow]) -> Iterator[str]:
    """The CSV, written row by row into a small buffer that is handed on
    whenever it holds CSV_PIECE_SIZE characters: memory stays flat."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()  # the download starts before the query runs
    buffer.seek(0)
    buffer.truncate()
    for email, first_name, last_name, enrolled_at, status, progress, completed_at, active_at in rows:
        name = f"{first_name} {last_name}".strip()
        writer.writerow(
            (
                csv_cell(email),
                csv_cell(name),
                _moment(enrolled_at),
                status,
                progress,
                _moment(completed_at),
                _moment(active_at),
            )
        )
        if buffer.tell() >= CSV_PIECE_SIZE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


# Not atomic even if ATOMIC_REQUESTS is turned on: the rows are read while the
# response streams, after the view has returned (students_for_export).
@transaction.non_atomic_requests
@require_safe
@login_required
def students_csv(request, slug: str):
    course = course_or_404(request, slug)
    response = StreamingHttpResponse(
        _csv_pieces(students_for_export(course=course)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{course.slug}-students.csv"'
    return response
