"""`manage.py check --deploy`: a proxy in front without the client's address known; a cache that
each process keeps to itself."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register("security", deploy=True)
def client_address_check(app_configs, **kwargs):
    behind_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
    if (
        behind_proxy
        and not settings.ALLAUTH_TRUSTED_PROXY_COUNT
        and not settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER
    ):
        return [
            Warning(
                "BEHIND_TLS_PROXY is set but no proxy is trusted for the client's address: every request "
                "seems to come from the proxy, so a few failed logins from anyone lock everyone out.",
                hint="Set TRUSTED_PROXY_COUNT=1 behind nginx as in deploy/ (or CLIENT_IP_HEADER=X-Real-IP).",
                id="lms.W001",
            )
        ]
    return []


# Cache backends whose entries one process cannot see from another (README: "Scaling out").
# locmem: each gunicorn worker has its own, so allauth's login limits count per worker and a
# cache-backed session exists in one worker only; dummy: nothing is kept, so the limits never trip.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "is kept in each process's memory",
    "django.core.cache.backends.dummy.DummyCache": "keeps nothing",
}
CACHE_ONLY_SESSIONS = "django.contrib.sessions.backends.cache"


@register("caches", deploy=True)
def shared_cache_check(app_configs, **kwargs):
    """With DEBUG off the site runs as several processes (gunicorn workers, app servers): what one
    caches another must see. A warning, not an error: one worker on one machine does work, with its
    login limits weaker; `check --deploy --fail-level WARNING` (CI) still stops on it."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    problem = PER_PROCESS_CACHES.get(backend)
    if problem is None:
        return []
    if settings.SESSION_ENGINE == CACHE_ONLY_SESSIONS:
        return [
            Error(
                f"Sessions live only in the cache, and the cache ({backend}) {problem}: a student "
                "logged in by one worker is logged out on the next request another worker serves.",
                hint="Set CACHE_URL=rediscache://… (one Redis for every app server).",
                id="lms.E001",
            )
        ]
    return [
        Warning(
            f"The cache ({backend}) {problem}, and DEBUG is off: allauth's login and sign-up limits "
            "count per gunicorn worker (or not at all), and each worker keeps its own curriculum and "
            "analytics copies.",
            hint="Set CACHE_URL=rediscache://host:6379/0, one Redis shared by every worker and app "
            "server (README: 'Scaling out').",
            id="lms.W002",
        )
    ]
