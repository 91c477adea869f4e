"""Helpers that generate requests from the URL conf: every URL pattern with
its path converters filled (with real ids or with bad values), and the names
of the query and form parameters its view reads."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.forms import BaseForm
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

# Bad values for any parameter: letters for an id, out-of-range numbers, a NUL
# byte (PostgreSQL refuses it in text), an overlong string.
BAD_VALUES = ["abc", "-1", str(10**30), "ab\x00c", "x" * 10_000]
# Bad values for a path converter, by converter (values the converter rejects
# are a 404 from the resolver and are sent as well, cheaply).
BAD_PATH_VALUES = {
    "int": ["0", "9" * 30, "-1"],
    "slug": ["no-such-thing", "a" * 10_000],
    "str": ["abc", "ab%00c", "a" * 10_000],
    "path": ["abc", "ab%00c", "a" * 10_000],
}
# Parameters worth sending to every view, besides those its module reads.
COMMON_PARAMETERS = {
    "page", "sort", "q", "instructor", "kind", "status", "course", "lesson", "next", "o", "p", "e",
    "all", "notification", "reply", "token", "rating", "body", "title", "text", "reason", "session_id",
    "email", "password", "login", "remember", "action", "file", "answer", "choice", "question",
}  # fmt: skip
# What a request that fails safely answers. A 500 is the bug the sweep hunts.
SAFE_STATUSES = {200, 204, 301, 302, 303, 400, 403, 404, 405, 429}

CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
READS = re.compile(r"""request\.(?:GET|POST)(?:\.get|\.getlist|\.__getitem__)?[(\[]\s*["'](\w+)["']""")


@dataclass(frozen=True)
class Route:
    route: str  # "courses/<slug:slug>/lessons/<int:lesson_id>/"
    name: str  # "courses:lesson"
    callback: object

    @property
    def converters(self) -> dict[str, str]:
        return {m["name"]: m["converter"] or "str" for m in CONVERTER.finditer(self.route)}

    def path(self, values: dict[str, str]) -> str:
        return "/" + CONVERTER.sub(lambda m: values[m["name"]], self.route)


def routes(*, exclude_prefixes: tuple[str, ...] = ()) -> Iterator[Route]:
    """Every path() in the URL conf, includes walked (re_path patterns are left out)."""

    def walk(patterns, prefix: str, namespace: str) -> Iterator[Route]:
        for pattern in patterns:
            if not isinstance(pattern.pattern, RoutePattern):
                continue
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern) and not route.startswith(exclude_prefixes):
                name = ":".join(filter(None, [namespace, pattern.name]))
                yield Route(route=route, name=name, callback=pattern.callback)

    yield from walk(get_resolver().url_patterns, "", "")


def parameters_read_by(callback) -> tuple[set[str], set[str]]:
    """The GET/POST names the view's module reads itself, and the fields of the
    forms it uses (a form validates every field, so one request tests them all)."""
    view = getattr(callback, "view_class", None) or inspect.unwrap(callback)
    module = inspect.getmodule(view)
    read = set(READS.findall(inspect.getsource(module)))
    fields = set()
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, BaseForm):
            fields |= set(value.base_fields)
    return read, fields


def query(values: dict[str, str]) -> str:
    return "?" + urlencode(values)


def quoted(path: str) -> str:
    return quote(path, safe="/%")


def request(client: Client, method: str, url: str, data: dict | None = None):
    """The response, never an exception: a 500 is returned as a 500."""
    client.raise_request_exception = False
    if method == "get":
        return client.get(url)
    return client.post(url, data or {})


def failure(method: str, url: str, response) -> str | None:
    if response.status_code in SAFE_STATUSES:
        return None
    exc = getattr(response, "exc_info", None)
    reason = repr(exc[1])[:300] if exc else response.content[:200]
    return f"{method.upper()} {url[:160]!r} -> {response.status_code}: {reason}"
