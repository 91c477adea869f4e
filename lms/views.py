from urllib.parse import urlsplit

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request) -> HttpResponse:
    """Liveness: the process answers. Touches no database, cache or session."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_safe
def readyz(request) -> HttpResponse:
    """Readiness: the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    from django.contrib import admin

    # A refusal under /admin/ outside the admin's own views (lms/admin_site.py answers those):
    # the admin's page for its staff, the site's for everyone else.
    if request.path.startswith(reverse("admin:index")) and getattr(request.user, "is_staff", False):
        return admin.site.permission_denied(request).render()
    return render(request, "errors/403.html", status=403)


def csrf_failure(request, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a form sent without a valid CSRF token (a page
    left open past a log-out or a log-in in another tab, cookies cleared). The
    site's own page, in debug mode too, with a link back to the form's page (the
    Referer when it is on this site, else home): reloading it brings a new token."""
    return render(
        request,
        "403_csrf.html",
        {"back": _same_site_path(request.headers.get("Referer", ""), request)},
        status=403,
    )


def _same_site_path(url: str, request) -> str:
    """The path (and query) of `url` when it is a page of this site, else "/"."""
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    parts = urlsplit(url)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors that touch the database: the database may be why we are here.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
