from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from courses import catalogue
from courses.forms import CatalogueForm
from courses.instructors import instructor_page_get
from courses.page_versions import catalogue_page_versions
from courses.selectors import catalogue_currencies, categories_listed
from lms.page_cache import page_cached

CATALOGUE_PAGE_SIZE = 12


@require_safe
@page_cached(catalogue_page_versions)
def catalogue_page(request):
    # PostgreSQL refuses a NUL character in a text comparison: drop it rather than fail.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    categories = list(categories_listed())
    filters = catalogue.catalogue_filters()
    form = CatalogueForm(
        request.GET,
        sorts=catalogue.catalogue_sorts(),
        filters=filters,
        categories=categories,
        currencies=catalogue_currencies(),
    )
    search = form.search(query=query)
    courses = catalogue.catalogue_courses(search=search)
    # get_page: a page past the end shows the last page, garbage shows the first.
    page = Paginator(courses, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/catalogue.html",
        {
            "page": page,
            "search": search,
            "query": query,
            "sort": search.sort,
            "sorts": catalogue.catalogue_sorts(),
            # Each filter with the value chosen ("" for any).
            "filter_rows": [(choice, search.choices.get(choice.key, "")) for choice in filters],
            "categories": categories,
            "category": next((c for c in categories if c.slug == search.category), None),
            "currencies": form.currencies,
            # What the page links keep: the search, the order and the filters.
            "page_params": urlencode(search.params()) + "&",
            "unfiltered_params": urlencode(search.params(filters=False)),
        },
    )


@require_safe
def instructor_page(request, slug: str):
    page = instructor_page_get(slug=slug)
    if page is None:
        raise Http404("No instructor has this address.")
    return render(request, "courses/instructor.html", {"page": page, "instructor": page.instructor})
