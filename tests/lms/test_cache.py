"""`CACHE_URL=rediscache://…` works as the README says: every worker and
every app server share one cache (allauth's login limits, the funnel cache)."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url():
    if not redis_answers():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: Redis must answer on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    return "rediscache://127.0.0.1:6379/15"


def run_in_process(code: str, cache_url: str) -> str:
    environment = {**os.environ, "CACHE_URL": cache_url}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_a_value_cached_by_one_process_is_read_by_another(redis_url):
    key = f"doctrina-test-{uuid.uuid4()}"
    write = (
        "from django.core.cache import caches; cache = caches['default']; "
        f"cache.set({key!r}, 'shared', 30); print(type(cache).__name__)"
    )
    assert run_in_process(write, redis_url) == "RedisCache"
    read = f"from django.core.cache import cache; print(cache.get({key!r}))"
    assert run_in_process(read, redis_url) == "shared"
