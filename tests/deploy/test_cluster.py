"""Several app servers (issue 13): two gunicorns with deploy/gunicorn.conf.py behind
deploy/nginx/doctrina.conf (two upstreams, round-robin), sharing only the database and one Redis.
A student logged in on one is served by the other, and the login limits count across both.
`make bench-cluster` does the same on PostgreSQL under load (README: "Scaling out")."""

import http.client
import os
import re
import secrets
import socket
import ssl
import subprocess
import sys
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from .servers import HOST, REPO, SITE_HOST, Gunicorn, Nginx, get, log_in

EMAIL, PASSWORD = "cluster@example.com", "a long and unusual passphrase 42"
TOO_MANY = "Too many failed login attempts"
UNVERIFIED = ssl._create_unverified_context()  # noqa: S323 - nginx's certificate is the test's own


def redis_url() -> str:
    try:
        socket.create_connection((HOST, 6379), timeout=1).close()
    except OSError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: Redis must answer on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    # A prefix of its own: nothing another run or test left in that database counts here.
    return f"rediscache://{HOST}:6379/14?key_prefix=cluster-{secrets.token_hex(6)}"


@pytest.fixture(scope="module")
def cluster(nginx_binary, tmp_path_factory):
    directory = tmp_path_factory.mktemp("cluster")
    shared = {
        # Every app server needs the same secret (sessions and password hashes are signed with it),
        # database and cache; nothing else.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "CACHE_URL": redis_url(),
        "TRUSTED_PROXY_COUNT": "1",
    }
    first = Gunicorn(tmp_path_factory.mktemp("a"), **shared).migrate()
    subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         f"from lms.models import User; User.objects.create_user(email={EMAIL!r}, password={PASSWORD!r}, "
         "first_name='Grace')"],
        cwd=REPO, env={**os.environ, **first.environment}, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    second = Gunicorn(tmp_path_factory.mktemp("b"), **shared)
    with first as a, second as b, Nginx(nginx_binary, [a.port, b.port]) as nginx:
        yield a, b, nginx


def request(
    port: int, method: str, path: str, *, cookie: str = "", body: str = ""
) -> http.client.HTTPResponse:
    """Straight to one gunicorn, as nginx would pass it on."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"Host": SITE_HOST, "X-Forwarded-Proto": "https", "Cookie": cookie}
    if body:
        headers |= {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{SITE_HOST}",
            "Referer": f"https://{SITE_HOST}/accounts/login/",
        }
    connection.request(method, path, body=body or None, headers=headers)
    return connection.getresponse()


def log_in_on(port: int) -> str:
    """Log in with the form on the server at `port`; the session cookie it sets."""
    form = request(port, "GET", "/accounts/login/")
    csrf = SimpleCookie(form.getheader("Set-Cookie"))["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.read().decode())[1]
    answer = request(
        port,
        "POST",
        "/accounts/login/",
        cookie=f"csrftoken={csrf}",
        body=urlencode({"csrfmiddlewaretoken": token, "login": EMAIL, "password": PASSWORD}),
    )
    assert answer.status == 302, answer.read().decode()[:500]
    cookies = SimpleCookie()
    for header in answer.headers.get_all("Set-Cookie"):
        cookies.load(header)
    return f"sessionid={cookies['sessionid'].value}"


def test_a_student_logged_in_on_one_server_is_served_by_the_other(cluster):
    a, b, nginx = cluster
    cookie = log_in_on(a.port)

    page = request(b.port, "GET", "/dashboard/", cookie=cookie)
    assert page.status == 200
    assert "Log out" in page.read().decode()
    assert request(b.port, "GET", "/dashboard/").status == 302  # without the cookie: to the login page
    # Through nginx, whichever server answers.
    for _ in range(4):
        connection = http.client.HTTPSConnection(HOST, nginx.https_port, timeout=10, context=UNVERIFIED)
        connection.request("GET", "/dashboard/", headers={"Host": SITE_HOST, "Cookie": cookie})
        answer = connection.getresponse()
        assert answer.status == 200
        assert "Log out" in answer.read().decode()
    assert get(nginx.https_port, "/healthz", tls=True, timeout=5)[:2] == (200, b"ok")


def test_failed_logins_count_across_both_servers(cluster):
    """nginx sends the attempts to each server in turn; allauth counts them in the shared cache, so
    the eleventh is refused whichever server gets it (with a per-process cache each of the four
    workers would allow ten)."""
    _, _, nginx = cluster
    pages = [log_in(nginx.https_port, source="127.0.0.70", email=f"z{n}@example.com")[1] for n in range(11)]
    assert TOO_MANY not in pages[9]
    assert TOO_MANY in pages[10]
