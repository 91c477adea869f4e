"""A course's analytics page, its figures as CSV and each chart's CSV. Only
the course's instructor and superusers: the course is fetched through
`teaching.policies.courses_taught_by`, so anyone else logged in gets the
friendly 404 (a visitor is sent to log in first)."""

import csv
from collections.abc import Iterable, Sequence

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from courses.page_versions import course_page_versions
from teaching.charts import CHARTS, chart_get, enrollments_chart, funnel_chart, revenue_chart
from teaching.selectors.analytics import analytics_rows, course_analytics_get
from teaching.selectors.counted import COUNTS_CACHE_SECONDS
from teaching.views.common import course_or_404, csv_cell, teaching_page_cached


def _csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return response


@teaching_page_cached(course_page_versions)  # the course, its curriculum, rating and students
@require_safe
@login_required
def analytics(request, slug: str):
    course = course_or_404(request, slug)
    page = course_analytics_get(course=course, now=timezone.now())
    context = {
        "course": course,
        "page": page,
        # Each drawn only when the page's cached drawing of these very figures has gone
        # (the students and revenue sections under `page.counted_at`, the funnel under
        # `page.funnel_key`): 1,000 lessons are 50 ms of template, the other charts 10 ms.
        "enrollments_chart": SimpleLazyObject(lambda: enrollments_chart(page.weeks)),
        "revenue_charts": SimpleLazyObject(
            lambda: [revenue_chart(currency, months) for currency, months in page.months.items()]
        ),
        "funnel_chart": SimpleLazyObject(lambda: funnel_chart(page.funnel)),
        "counts_cache_seconds": COUNTS_CACHE_SECONDS,
    }
    return render(request, "teaching/analytics.html", context)


@require_safe
@login_required
def analytics_csv(request, slug: str):
    course = course_or_404(request, slug)
    return _csv_response(f"{course.slug}-analytics.csv", ("metric", "value"), analytics_rows(course=course))


@require_safe
@login_required
def chart_csv(request, slug: str, name: str):
    if name not in CHARTS:
        raise Http404("No such chart")
    course = course_or_404(request, slug)
    charts = chart_get(course=course, name=name, now=timezone.now())
    rows = [row for chart in charts for row in chart.rows]
    return _csv_response(f"{course.slug}-{name}.csv", charts[0].header, rows)
