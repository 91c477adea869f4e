from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from courses import catalogue

CATALOGUE_PAGE_SIZE = 12


@require_safe
def catalogue_page(request):
    # PostgreSQL refuses a NUL character in a text comparison: drop it rather than fail.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    sorts = catalogue.catalogue_sorts()
    sort = request.GET.get("sort", catalogue.DEFAULT_SORT)
    if sort not in {s.key for s in sorts}:
        sort = catalogue.DEFAULT_SORT
    courses = catalogue.catalogue_courses(query=query, sort=sort)
    # get_page: a page past the end shows the last page, garbage shows the first.
    page = Paginator(courses, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    # What the page links keep: the search and the order.
    page_params = urlencode({"q": query, "sort": sort} if query else {"sort": sort}) + "&"
    return render(
        request,
        "courses/catalogue.html",
        {"page": page, "query": query, "sort": sort, "sorts": sorts, "page_params": page_params},
    )
