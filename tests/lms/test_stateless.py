"""Several app servers (issue 13): what one process caches another must see. `check --deploy` says so
when the cache is per-process with DEBUG off (lms.W002; lms.E001 when sessions live in it alone).
tests/deploy/test_cluster.py shows two gunicorns sharing sessions and login limits through one
cache and one database."""

from django.core.checks import run_checks

from lms.checks import shared_cache_check

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"}}
DUMMY = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }
}


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_a_per_process_cache_with_debug_off_is_a_deploy_warning(settings):
    settings.DEBUG = False
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CACHES = LOCMEM
    assert ids(shared_cache_check(None)) == ["lms.W002"]
    assert "login and sign-up limits count per gunicorn worker" in shared_cache_check(None)[0].msg
    settings.CACHES = DUMMY  # keeps nothing: the login limits never trip
    assert ids(shared_cache_check(None)) == ["lms.W002"]


def test_a_shared_cache_or_debug_on_passes(settings, tmp_path):
    settings.DEBUG = False
    settings.CACHES = REDIS
    assert shared_cache_check(None) == []
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        }
    }
    assert shared_cache_check(None) == []  # one machine's workers share it (README: "Scaling out")
    settings.CACHES = LOCMEM
    settings.DEBUG = True  # runserver: one process
    assert shared_cache_check(None) == []


def test_sessions_kept_only_in_a_per_process_cache_are_an_error(settings):
    settings.DEBUG = False
    settings.CACHES = LOCMEM
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    assert ids(shared_cache_check(None)) == ["lms.E001"]


def test_the_check_runs_with_deploy_only(settings):
    settings.DEBUG = False
    settings.CACHES = LOCMEM
    assert "lms.W002" in ids(run_checks(include_deployment_checks=True))
    assert "lms.W002" not in ids(run_checks())
