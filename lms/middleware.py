import re
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.urls import reverse

STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"


# The largest value of a 64-bit integer column (every id here): a longer number
# names nothing, and SQLite cannot even bind it as a parameter.
BIGINT_MAX = 2**63 - 1
_INTEGER = re.compile(r"[+-]?[0-9]{19,}")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _too_large(value: str) -> bool:
    return any(_INTEGER.fullmatch(part) and abs(int(part)) > BIGINT_MAX for part in value.split(","))


class AdminRefusesUnusableInput:
    """Answer 400 to admin input that would reach the database as it is:

    - a NUL character in the query string or a form (PostgreSQL refuses NUL in
      text: the changelist's filters pass `?status__exact=…`, the autocomplete
      its `term`, to the database unchecked);
    - a whole number beyond a 64-bit integer, in the query string or a form
      (`?course__exact=…`, `?id__in=1,2`, a multiple-choice field's ids; SQLite
      cannot bind such a number).

    The site's own pages parse their parameters (a NUL in the catalogue's
    search is dropped, a letter in a page number is page 1) and their forms
    refuse NUL with a form error (Django's CharField); ids in their paths have
    at most 18 digits (lms.converters). tests/security sweeps both. Form data is
    read in `process_view`, after CsrfViewMiddleware's has parsed it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request):
        if request.path.startswith(self.admin_prefix) and _unusable(request.GET):
            raise BadRequest("A NUL character or a number beyond any id in the address.")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            request.method == "POST"
            and request.path.startswith(self.admin_prefix)
            and request.content_type in _FORM_TYPES
            and _unusable(request.POST)
        ):
            raise BadRequest("A NUL character or a number beyond any id in the form.")
        return None


def _unusable(data) -> bool:
    return any(
        "\x00" in key or any("\x00" in value or _too_large(value) for value in values)
        for key, values in data.lists()
    )


def checkout_origin() -> str:
    """Where the buyer's browser is sent after "Buy": Stripe Checkout, or the
    local mock that STRIPE_API_BASE names (the tests' fake Stripe serves both)."""
    if settings.STRIPE_API_BASE:
        parts = urlsplit(settings.STRIPE_API_BASE)
        return f"{parts.scheme}://{parts.netloc}"
    return STRIPE_CHECKOUT_ORIGIN


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the settings' CONTENT_SECURITY_POLICY, plus
    the Checkout origin in form-action: the buy button's POST is answered with a
    302 to Checkout, and Chromium applies form-action to that redirect too."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), checkout_origin()]
            parts.update = update
        return parts


def permissions_policy(get_response):
    """The Permissions-Policy header (settings.PERMISSIONS_POLICY) on every response."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware


def request_body_limit(get_response):
    """Answer 413 to a request whose Content-Length is over REQUEST_BODY_MAX_BYTES, before a byte of
    the body is read. Django refuses large form data from the header too, but a multipart body is
    read whole (its files spooled to disk) before any form can say that a file is too large; and
    gunicorn's sync worker is busy for as long as that takes. nginx refuses somewhat larger bodies
    the same way (deploy/nginx/doctrina.conf); this is the limit that holds wherever the site runs,
    with a page that says why."""
    limit = settings.REQUEST_BODY_MAX_BYTES

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body for a Content-Length it cannot parse
        if length > limit:
            response = render(
                request,
                "errors/413.html",
                {"limit_mb": limit // (1024 * 1024)},
                status=413,
            )
            # The unread body is still on the way: the connection cannot carry another request.
            response["Connection"] = "close"
            return response
        return get_response(request)

    return middleware
