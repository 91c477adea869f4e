"""The anonymous page cache: whole responses of the pages that are the same for
every visitor who is not logged in (the catalogue, a course page, a preview
lesson), kept in the shared cache (CACHE_URL) under a key that names what the
page shows.

What a page shows is named by *version names* ("catalogue", "course:<slug>",
"people"…). A version is a value in the shared cache, never in a process's
memory, so every app server sees the same; `version_bump(*names)` gives a name a
new value, and the apps that own the data call it from their `AppConfig.ready`
receivers whenever a write changes what a page shows (courses: a course, its
curriculum, categories; enrollments: student counts; community: reviews and
ratings; lms: people's names). A page's key holds the values of its names, so a
bumped version makes every page that shows it a miss: a cached page is never
stale and nothing is ever deleted; old entries age out. A missing version (evicted,
or a cache just started) is given a new value: a miss, never a stale hit.

Inside a transaction a bump happens at once (so the writer's own later reads, and
tests, see it) and again when the transaction commits (so a page rendered from the
rows before the commit is stored only under a value nobody will look up again).
A name the transaction bumps again is not bumped at once again unless this
connection stored a page (`page_store`) since it last was: another process reads
only committed rows, so what it stores meanwhile the bump on commit covers; only a
page stored here, from this transaction's own writes (a test: write, GET, write,
GET), needs the second. A purchase's four writes to the buyer: one write at once.
Outside a transaction every bump is at once. With Redis a bump is one MSET (what
Django's set_many sends, without its new client and pipeline objects and MULTI/EXEC).

`page_cached(versions)` decorates a view. It serves from the cache only a
request that is GET or HEAD, from a visitor who is not logged in, with no
message pending; it stores only a 200 answer without cookies that did not use
the CSRF token (and has none in it). Every answer it gives carries a weak ETag
(from the key) and Last-Modified (the latest bump), answers If-None-Match and
If-Modified-Since with 304, and says `public, max-age=0, s-maxage=…`: a CDN or
nginx may hold it briefly, a browser revalidates. `PageCacheMiddleware` (lms/page_cache_middleware.py) serves
the hits, before the URL is resolved, and marks every answer to a logged-in user,
and every answer that used the CSRF token, showed a message or sets a cookie,
`private`."""

from __future__ import annotations

import gzip
import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

# How long a shared cache (CDN, nginx) may serve a page without asking; browsers always ask.
SHARED_MAX_AGE = 60
PUBLIC = f"public, max-age=0, s-maxage={SHARED_MAX_AGE}"
# How long a page stays in the cache: any change makes a new key, so this only frees memory.
PAGE_TIMEOUT = 24 * 3600
# Versions must outlive the pages stored under them; a lost one only costs a miss.
VERSION_TIMEOUT = None
# Bumped after every `migrate` (a deploy, `flush`): templates and code may have changed.
SITE = "site"
# What every page shows besides its own content: people's names (instructors, reviewers).
PEOPLE = "people"

_VERSION_PREFIX = "pagecache:v:"
_PAGE_PREFIX = "pagecache:page:"
_CSRF_FIELD = b"csrfmiddlewaretoken"

VersionNames = Callable[..., Iterable[str]]


def _new_value() -> str:
    # The time (for Last-Modified) and a random part: two servers bumping in the same
    # nanosecond still give different values.
    return f"{time.time_ns()}-{secrets.token_hex(4)}"


def _bump_now(names: tuple[str, ...]) -> None:
    values = {_VERSION_PREFIX + name: _new_value() for name in names}
    backend = caches[DEFAULT_CACHE_ALIAS]
    if VERSION_TIMEOUT is None and isinstance(backend, RedisCache):
        # RedisCache.set_many's keys and values as one MSET, on the client it writes
        # with, made once (it makes one a call, copying ~80 response callbacks).
        client = getattr(backend, "_page_versions_client", None)
        if client is None:
            client = backend._page_versions_client = backend._cache.get_client(None, write=True)
        dumps = backend._cache._serializer.dumps
        client.mset({backend.make_and_validate_key(key): dumps(value) for key, value in values.items()})
    else:
        backend.set_many(values, timeout=VERSION_TIMEOUT)


def page_store(key: str, entry: tuple, timeout: int) -> None:
    """Store a page's entry (both page caches): counted on this thread's connection,
    so a transaction's next bump of what it shows is at once again."""
    connection = transaction.get_connection()
    connection._page_stores = getattr(connection, "_page_stores", 0) + 1
    cache.set(key, entry, timeout)


class _BumpOnCommit:
    """The names bumped in one savepoint level of a transaction, bumped again in
    one cache write when it commits; `at_once` (shared by the transaction's
    levels): each name's page-store count when the transaction last bumped it at once."""

    def __init__(self, at_once: dict[str, int]) -> None:
        self.names: dict[str, None] = {}
        self.at_once = at_once

    def __call__(self) -> None:
        if self.names:
            _bump_now(tuple(self.names))


def _bump_on_commit(names: tuple[str, ...]) -> tuple[str, ...]:
    """Bump `names` when the transaction commits; the ones to bump at once too."""
    connection = transaction.get_connection()
    level = tuple(connection.savepoint_ids)
    found_level, pending = getattr(connection, "_page_versions_on_commit", ((), None))
    # One callback a savepoint level, while it is still queued: a rolled-back savepoint
    # drops the callbacks registered in it, and a commit runs them. A queued one is of
    # this transaction: what it bumped at once holds (a cache write is never rolled back).
    queued = pending is not None and any(func is pending for _, func, _ in connection.run_on_commit)
    if not queued or found_level != level:
        previous, pending = pending, _BumpOnCommit(pending.at_once if queued else {})
        if queued and found_level[: len(level)] == level:
            # Queued from a savepoint inside this level, released since: it runs exactly
            # when this level's callback does, so this one writes its names too.
            pending.names, previous.names = previous.names, {}
        connection._page_versions_on_commit = (level, pending)
        transaction.on_commit(pending)
    pending.names.update(dict.fromkeys(names))
    stores = getattr(connection, "_page_stores", 0)
    now = tuple(name for name in names if pending.at_once.get(name) != stores)
    pending.at_once.update(dict.fromkeys(now, stores))
    return now


def version_bump(*names: str) -> None:
    """Give each name a new version: every cached page that shows it becomes a
    miss. Call from the receivers of the writes that change what pages show; inside
    a transaction it bumps again when the transaction commits (and at once only
    when needed: see the module's docstring)."""
    names = tuple(dict.fromkeys(names))
    if names and transaction.get_connection().in_atomic_block:
        names = _bump_on_commit(names)
    if names:
        _bump_now(names)


def version_key(name: str) -> str:
    """Where the value of version `name` is kept in the shared cache."""
    return _VERSION_PREFIX + name


def versions_get(names: Iterable[str]) -> dict[str, str]:
    """The current value of each name (one cache round trip); a missing one gets a new value."""
    keys = [_VERSION_PREFIX + name for name in names]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        # add: of two servers that find it missing at once, the first one's value stands.
        cache.add(key, _new_value(), timeout=VERSION_TIMEOUT)
    if missing:
        found.update(cache.get_many(missing))
    return {key[len(_VERSION_PREFIX) :]: found.get(key, "") for key in keys}


def normalised_query(request: HttpRequest) -> str:
    """The query string with its parameters in one order: `?b=2&a=1` is `?a=1&b=2`."""
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return ""
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


def entry_key(request: HttpRequest) -> str:
    """Where the page at this address is stored: one entry an address, whatever its
    versions (the entry says which versions it shows)."""
    parts = (
        request.scheme,
        request.get_host(),
        request.path,
        normalised_query(request),
        get_language() or "",
        _deployment(),
        # Pages say "Opens on 12 January" and "3 days ago": a new day is a new page.
        timezone.localdate().isoformat(),
    )
    return _PAGE_PREFIX + hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()


def _deployment() -> str:
    """What of this server's configuration shows on pages: the static files' names
    (hashed by the manifest of `collectstatic`) and whether the site takes payments.
    A server with another configuration (a rolling deploy) keeps its own entries."""
    return "|".join(
        (
            getattr(staticfiles_storage, "manifest_hash", "") or "",
            "pay" if settings.STRIPE_SECRET_KEY else "",
            settings.STRIPE_API_BASE,
        )
    )


def etag_of(entry_key: str, values: Iterable[str]) -> str:
    digest = hashlib.blake2b("\n".join((entry_key, *values)).encode(), digest_size=16).hexdigest()
    return f'W/"{digest}"'


def last_modified_of(values: Iterable[str]) -> int:
    moments = [int(value.split("-", 1)[0]) for value in values if value[:1].isdigit()]
    return max(moments, default=time.time_ns()) // 1_000_000_000


_GZIP = re.compile(r"\bgzip\b")


def accepts_gzip(request: HttpRequest) -> bool:
    """Pages are kept compressed (a 1,000-lesson course page: 220 kB, 5 kB in gzip)
    and sent so to every client that accepts it (every browser); they hold no
    secret (no CSRF token), so compressing them leaks nothing (BREACH)."""
    return bool(_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def is_anonymous_page_request(request: HttpRequest) -> bool:
    """May this request be answered from (and fill) the cache shared by every visitor?
    GET or HEAD, nobody logged in, no message waiting to be shown. Reads the session
    only when the request has a session cookie."""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.user.is_authenticated:
        return False
    # len() loads the messages without marking them shown: the page rendered for this
    # request still shows them.
    return len(get_messages(request)) == 0


def is_storable(request: HttpRequest, response: HttpResponse) -> bool:
    """Checked again on the answer: nothing per visitor may be in what everyone gets."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_USED")
        and not request.user.is_authenticated
        and "Cache-Control" not in response
        and "Vary" not in response
        and _CSRF_FIELD not in response.content
    )


def conditional(request: HttpRequest, response: HttpResponse, last_modified: int) -> HttpResponse:
    if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
        return get_conditional_response(
            request, etag=response["ETag"], last_modified=last_modified, response=response
        )
    return response


def page_cached(versions: VersionNames) -> Callable:
    """Fill the anonymous page cache with the view's answers (PageCacheMiddleware
    serves them). `versions(**view_kwargs)` names what the page shows (the middleware
    passes the address's parts as text, before converters; SITE and
    PEOPLE are added: every page shows the site's templates and people's names).
    The versions are read before the view reads anything: a write that commits
    while the page renders bumps them after, so the page is stored under values
    nobody looks up again."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not is_anonymous_page_request(request):
                return view(request, *args, **kwargs)
            current = versions_get(page_version_names(versions, kwargs))
            key = entry_key(request)
            etag = etag_of(key, current.values())
            last_modified = last_modified_of(current.values())
            if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
                # The visitor has the page of these versions (the entry left the cache, not them).
                not_modified = get_conditional_response(request, etag=etag, response=HttpResponse())
                if not_modified is not None and not_modified.status_code == 304:
                    not_modified["Cache-Control"] = PUBLIC
                    not_modified["Last-Modified"] = http_date(last_modified)
                    return not_modified
            response = view(request, *args, **kwargs)
            if not is_storable(request, response):
                return response
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified)
            response["Cache-Control"] = PUBLIC
            patch_vary_headers(response, ("Accept-Encoding",))
            version_keys = tuple(_VERSION_PREFIX + name for name in current)
            compressed = gzip.compress(response.content, compresslevel=6, mtime=0)
            values, headers = tuple(current.values()), tuple(response.items())
            entry = (version_keys, values, last_modified, compressed, headers)
            page_store(key, entry, PAGE_TIMEOUT)
            if accepts_gzip(request):
                response.content = compressed
                response["Content-Encoding"] = "gzip"
            return conditional(request, response, last_modified)

        wrapper.page_cached = versions  # PageCacheMiddleware finds the view's address and versions
        return wrapper

    return decorator


def page_version_names(versions: VersionNames, kwargs: dict[str, Any]) -> list[str]:
    return [SITE, PEOPLE, *versions(**kwargs)]


def entry_is_current(entry: tuple, version_keys: list[str], found: dict[str, Any]) -> bool:
    """Was the stored `entry` rendered under the current value of every version it
    names (`found`: the values just read)? False when one changed or was lost."""
    stored_keys, values = entry[0], entry[1]
    return tuple(version_keys) == stored_keys and all(
        found.get(key) == value for key, value in zip(stored_keys, values, strict=True)
    )


def _user_written(
    sender, instance, created: bool = False, raw: bool = False, update_fields=None, **kwargs
) -> None:
    # A new account is on no page yet; a login (last_login) changes nothing a page shows.
    if raw or created or (update_fields is not None and set(update_fields) <= {"last_login", "password"}):
        return
    version_bump(PEOPLE)


def _site_migrated(sender, **kwargs) -> None:
    version_bump(SITE)


def connect() -> None:
    """Called by LmsConfig.ready."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_migrate, post_save

    user = get_user_model()
    post_save.connect(_user_written, sender=user, dispatch_uid="page_cache.user_saved")
    post_delete.connect(_user_written, sender=user, dispatch_uid="page_cache.user_deleted")
    post_migrate.connect(_site_migrated, dispatch_uid="page_cache.site_migrated")
