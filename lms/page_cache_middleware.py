"""Serving the page caches: `PageCacheMiddleware` answers a request for a cached
page before its URL is even resolved, from the logged-in page cache for a session
that names an account (lms/user_page_cache.py) and from the anonymous page cache
for everyone else (lms/page_cache.py); and marks every answer that is someone's
own `private`."""

from __future__ import annotations

import gzip
import re

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, get_resolver
from django.utils.cache import patch_cache_control

from lms import page_cache, user_page_cache
from lms.page_cache import VersionNames

Routes = list[tuple[re.Pattern, VersionNames]]
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def decorated_routes(attribute: str) -> Routes:
    """The addresses of the views a page cache's decorator marked with `attribute`
    (`page_cached`, `user_page_cached`), from the URL conf, each with the function
    that names what its page shows: the middleware looks in the caches for those
    only (not for /healthz, the admin…)."""
    routes = []

    def walk(resolvers, prefix: str) -> None:
        for entry in resolvers:
            regex = entry.pattern.regex.pattern.removeprefix("^")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + regex)
            elif versions := getattr(entry.callback, attribute, None):
                routes.append((re.compile("^/" + prefix + regex), versions))

    walk(get_resolver().url_patterns, "")
    return routes


def cached_routes() -> Routes:
    """The addresses of the anonymous page cache's pages."""
    return decorated_routes("page_cached")


def _first_match(routes: Routes, path: str) -> tuple[re.Match, VersionNames] | None:
    for route, versions in routes:
        if match := route.match(path):
            return match, versions
    return None


class PageCacheMiddleware:
    """Answers a request for a cached page from the page caches before the URL is
    even resolved: the session (for a logged-in user) and one cache round trip (the
    entry and the versions of what it shows, named from the address), no SQL. Sets
    `Cache-Control: private, max-age=0` on every answer that is someone's own: to a
    logged-in user, or with a CSRF token, a message or a cookie in it, unless the
    view said otherwise, so that a CDN or proxy never keeps them. Last in
    MIDDLEWARE: a cached answer goes out through all the others (session's Vary:
    Cookie, security headers, CSP). After any other request of a logged-in user,
    their own cached pages are renewed (`own_write`)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.routes: Routes | None = None  # at the first request
        self.user_routes: Routes = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            response = self.hit(request)
            if response is not None:
                return response
        response = self.get_response(request)
        if "Cache-Control" not in response and self.is_private(request, response):
            patch_cache_control(response, private=True, max_age=0)
        if request.method not in _SAFE_METHODS and self.session_cookie in request.COOKIES:
            self.own_write(request)
        return response

    def own_write(self, request: HttpRequest) -> None:
        """Whatever a logged-in user sent (a form in the admin, an answer, a
        review of a submission), their own cached pages are drawn again: what
        someone did shows on their next page, even where the page keeps what
        others do for a while (the teaching pages) or the write bumps no version
        of theirs (a submission reviewed is the student's row). One cache write."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_page_cache.user_pages_bump([user.pk])

    def hit(self, request: HttpRequest) -> HttpResponse | None:
        if self.routes is None:
            self.user_routes = decorated_routes("user_page_cached")
            self.routes = cached_routes()
        own = _first_match(self.user_routes, request.path_info)
        shared = _first_match(self.routes, request.path_info)
        if own is None and shared is None:
            return None  # not a cached page: the session is not even read
        if user_page_cache.is_logged_in_session(request):
            if own is None:
                return None
            return user_page_cache.user_page_serve(request, own[1], own[0].groupdict())
        if shared is None:
            return None
        return self.cached(request, page_cache.page_version_names(shared[1], shared[0].groupdict()))

    def cached(self, request: HttpRequest, names: list[str]) -> HttpResponse | None:
        if not page_cache.is_anonymous_page_request(request):
            return None
        key = page_cache.entry_key(request)
        version_keys = [page_cache.version_key(name) for name in names]
        found = cache.get_many([key, *version_keys])
        entry = found.get(key)
        if entry is None or not page_cache.entry_is_current(entry, version_keys, found):
            return None  # something it shows changed, or a version was lost: render anew
        _, _, last_modified, content, headers = entry
        if page_cache.accepts_gzip(request):
            response = HttpResponse(content)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(gzip.decompress(content))
        for header, value in headers:
            response[header] = value
        return page_cache.conditional(request, response, last_modified)

    def is_private(self, request: HttpRequest, response: HttpResponse) -> bool:
        return bool(
            response.cookies
            or request.META.get("CSRF_COOKIE_USED")
            or getattr(getattr(request, "_messages", None), "used", False)  # messages shown to this visitor
            or (
                (self.session_cookie in request.COOKIES or request.session.accessed)
                and request.user.is_authenticated
            )
        )
