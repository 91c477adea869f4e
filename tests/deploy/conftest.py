"""The production shape (deploy/): nginx from Debian in front of gunicorn.

These tests start nginx themselves, as an unprivileged process with its own
prefix in a temporary folder. Without /usr/sbin/nginx they skip with the reason,
except in CI (CI=true or REQUIRE_NGINX=1), where they fail: they must run there.
"""

import os
import shutil

import pytest

from .servers import Gunicorn, Nginx


def _nginx_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_NGINX") == "1"


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        reason = "The deploy tests need Debian's nginx (apt-get install nginx)."
        if _nginx_required():
            pytest.fail(f"{reason} CI/REQUIRE_NGINX is set: they must run, not skip.")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """The shipped gunicorn, one per test module. Behind nginx as shipped: one proxy, so
    the last X-Forwarded-For address is the client's."""
    with Gunicorn(tmp_path_factory.mktemp("gunicorn"), TRUSTED_PROXY_COUNT="1").migrate() as server:
        yield server


@pytest.fixture(scope="module")
def nginx(nginx_binary, gunicorn):
    """The shipped nginx config in front of `gunicorn`."""
    with Nginx(nginx_binary, gunicorn.port) as server:
        yield server
