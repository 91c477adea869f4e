from django.core.exceptions import BadRequest
from django.urls import reverse


def admin_refuses_nul_in_query(get_response):
    """The admin passes its query string's filter values (`?status__exact=…`,
    the autocomplete's `term`) to the database as they are, and PostgreSQL
    refuses a NUL character in text: a 500. Answer 400 before that. (The
    student pages parse their own parameters.)"""
    admin_prefix = reverse("admin:index")

    def middleware(request):
        if (
            "%00" in request.META.get("QUERY_STRING", "")
            and request.path.startswith(admin_prefix)
            and any("\x00" in key + "".join(values) for key, values in request.GET.lists())
        ):
            raise BadRequest("A NUL character in the query string.")
        return get_response(request)

    return middleware
