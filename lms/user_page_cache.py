"""The logged-in page cache: a student's own pages (a course they study, a
lesson, a quiz attempt, My learning) and an instructor's teaching pages
(teaching/views/common.py) kept whole in the shared cache for that user,
under a key that names everything the page shows — the versions of
lms/page_cache.py for the content (the course, the catalogue, people's names,
the site) plus the user's own version `user:<id>` — so that, like the
anonymous cache, a cached page is never stale and nothing is ever deleted
(the teaching pages, which show what others do, are kept at most a minute).

The student's version is bumped (`user_pages_bump`) by every write that changes
what their pages show:
- any row of a model with a `user` foreign key to the account (enrollments,
  lesson progress, quiz attempts, submissions, notifications, purchases,
  reviews…) saved or deleted, and the account itself: found in the app registry
  when the project starts (`connect`), so a new model of that shape is covered
  without being listed here;
- the writes that send no model signal, by the services that make them
  (notifications created in bulk or marked read, completions and certificates);
- every POST (PUT, PATCH, DELETE) the user sends, whatever it wrote
  (lms/page_cache_middleware.py): what someone did shows on their next page.
What other people write that a student's page shows has a content version:
the course's ("course:<slug>": curriculum, reviews, student count) and its
community's ("community:<slug>": announcements and lesson discussions).

A page is served from here only to the session it was stored for: the key holds
the account's id and the session's authentication hash (a password change
makes a new one, and bumps the account's version); a hit reads the session
(Redis with `cached_db` sessions) and one `get_many`, no SQL, no account loaded.
Forms keep working: the CSRF tokens of the stored page are replaced by a
placeholder, and a hit puts a fresh token of the visitor's own in its place.
Nothing is stored or served while a message waits to be shown; nothing is
stored that set a cookie, changed the session or was not a 200.

Pages are kept at most PRIVATE_TIMEOUT: they say "3 minutes ago"."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

from lms import page_cache

# Entries only free memory when they age out, but pages show relative times.
PRIVATE_TIMEOUT = 10 * 60
_PLACEHOLDER = b"__doctrina-csrf-token__"
_TOKEN_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
_PRIVATE_PREFIX = "pagecache:own:"


# When the page being rendered changes by itself (a quiz's time running out): the
# entry is kept until then only. Set by the views of `user_page_cached`.
_changes_at: ContextVar[float | None] = ContextVar("user_page_changes_at", default=None)


def _now() -> float:
    return time.time()


def page_changes_at(moment: datetime) -> None:
    """The page being rendered shows something that changes at `moment` with no
    write (a timed quiz attempt that can no longer be resumed): the logged-in
    page cache serves it until then only. Call from the selector that knows."""
    current = _changes_at.get()
    at = moment.timestamp()
    _changes_at.set(at if current is None else min(current, at))


def user_version_name(user_id: int | str) -> str:
    return f"user:{user_id}"


def user_pages_bump(user_ids: Iterable[int | str]) -> None:
    """Every cached page of these accounts becomes a miss (one cache write)."""
    page_cache.version_bump(*(user_version_name(user_id) for user_id in sorted(set(user_ids), key=str)))


def _session_user(request: HttpRequest) -> tuple[str, str] | None:
    """The logged-in account's id and the session's authentication hash, read
    from the session alone (no account loaded); None for a visitor."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    session = request.session
    user_id, backend = session.get(SESSION_KEY), session.get(BACKEND_SESSION_KEY)
    if user_id is None or backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    return str(user_id), session.get(HASH_SESSION_KEY) or ""


def _entry_key(request: HttpRequest, user_id: str, session_hash: str) -> str:
    anonymous_key = page_cache.entry_key(request)
    parts = (anonymous_key, user_id, session_hash, settings.SECRET_KEY)
    return _PRIVATE_PREFIX + hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()


def _names(versions: page_cache.VersionNames, user_id: str, kwargs: dict[str, Any]) -> list[str]:
    return [*page_cache.page_version_names(versions, kwargs), user_version_name(user_id)]


def _messages_waiting(request: HttpRequest) -> bool:
    # len() loads them without marking them shown.
    return len(get_messages(request)) > 0


def _tokens_hidden(content: bytes) -> bytes | None:
    """The page with each form's CSRF token replaced by the placeholder; None
    when a token is anywhere else in it (then it is not stored)."""
    tokens = set(_TOKEN_FIELD.findall(content))
    hidden = _TOKEN_FIELD.sub(b'name="csrfmiddlewaretoken" value="' + _PLACEHOLDER + b'"', content)
    if any(token in hidden for token in tokens) or hidden.count(b"csrfmiddlewaretoken") != content.count(
        b"csrfmiddlewaretoken"
    ):
        return None
    return hidden


def user_page_cached(versions: page_cache.VersionNames) -> Callable:
    """Fill the logged-in page cache with the view's answers to a logged-in
    user (PageCacheMiddleware serves them). `versions(**view_kwargs)` names the
    content the page shows, as for `page_cached`; SITE, PEOPLE and the user's
    own version are added. Views that answer visitors too combine it with
    `page_cached` (each fills its own cache)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            who = _session_user(request) if request.method in ("GET", "HEAD") else None
            if who is None or _messages_waiting(request):
                return view(request, *args, **kwargs)
            user_id, session_hash = who
            # Read before anything is read from the database, the account included
            # (see page_cached): a write that commits meanwhile bumps them after.
            current = page_cache.versions_get(_names(versions, user_id, kwargs))
            if not request.user.is_authenticated or str(request.user.pk) != user_id:
                return view(request, *args, **kwargs)
            entry_key = _entry_key(request, user_id, session_hash)
            token = _changes_at.set(None)
            try:
                response = view(request, *args, **kwargs)
                changes_at = _changes_at.get()
            finally:
                _changes_at.reset(token)
            timeout = (
                PRIVATE_TIMEOUT if changes_at is None else min(PRIVATE_TIMEOUT, int(changes_at - _now()))
            )
            if timeout <= 0 or not _storable(request, response):
                return response
            content = _tokens_hidden(response.content)
            if content is None:
                return response
            last_modified = page_cache.last_modified_of(current.values())
            response["ETag"] = page_cache.etag_of(entry_key, current.values())
            response["Last-Modified"] = http_date(last_modified)
            patch_cache_control(response, private=True, max_age=0)
            version_keys = tuple(page_cache.version_key(name) for name in current)
            headers = tuple(response.items())
            entry = (version_keys, tuple(current.values()), last_modified, content, headers, changes_at)
            page_cache.page_store(entry_key, entry, timeout)
            return page_cache.conditional(request, response, last_modified)

        wrapper.user_page_cached = versions  # PageCacheMiddleware finds the view's address and versions
        return wrapper

    return decorator


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.session.modified
        # The view's own `never_cache` (private) is kept and served with the page.
        and ("Cache-Control" not in response or "private" in response["Cache-Control"])
        and "Vary" not in response
        and not getattr(getattr(request, "_messages", None), "used", False)
    )


def user_page_serve(
    request: HttpRequest, versions: page_cache.VersionNames, kwargs: dict
) -> HttpResponse | None:
    """The cached page for this session at this address, if every version it
    was stored under is still current; None to render it."""
    who = _session_user(request)
    if who is None or _messages_waiting(request):
        return None
    user_id, session_hash = who
    entry_key = _entry_key(request, user_id, session_hash)
    version_keys = [page_cache.version_key(name) for name in _names(versions, user_id, kwargs)]
    found = cache.get_many([entry_key, *version_keys])
    entry = found.get(entry_key)
    if entry is None or not page_cache.entry_is_current(entry, version_keys, found):
        return None
    _, _, last_modified, content, headers, changes_at = entry
    if changes_at is not None and _now() >= changes_at:
        return None  # the cache's own expiry may be late by a second
    if _PLACEHOLDER in content:
        content = content.replace(_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    for header, value in headers:
        response[header] = value
    return page_cache.conditional(request, response, last_modified)


def is_logged_in_session(request: HttpRequest) -> bool:
    """Does the session name an account (read without loading it)?"""
    return _session_user(request) is not None


def _user_row_written(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw and instance.user_id is not None:
        user_pages_bump([instance.user_id])


def _account_written(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw and instance.pk is not None:
        user_pages_bump([instance.pk])


def connect() -> None:
    """Called by LmsConfig.ready: every model with a `user` foreign key to the
    account bumps that user's pages when a row is saved or deleted."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.core.exceptions import FieldDoesNotExist
    from django.db.models import ForeignKey
    from django.db.models.signals import post_delete, post_save

    account = get_user_model()
    for signal in (post_save, post_delete):
        signal.connect(_account_written, sender=account, dispatch_uid=f"user_pages.account.{id(signal)}")
    for model in apps.get_models():
        try:
            field = model._meta.get_field("user")
        except FieldDoesNotExist:
            continue
        if isinstance(field, ForeignKey) and field.related_model is account and not model._meta.proxy:
            for signal in (post_save, post_delete):
                uid = f"user_pages.{model._meta.label_lower}.{id(signal)}"
                signal.connect(_user_row_written, sender=model, dispatch_uid=uid)
