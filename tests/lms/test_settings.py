"""Start-up refuses insecure configuration; production settings pass
`check --deploy`; the health endpoints answer."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Long and varied enough for security.W009 (50+ characters, 5+ unique ones).
PRODUCTION_SECRET_KEY = "pX7#kQ2v!Lm9@zR4wT6&yB1^nC8*hJ3(dF5)gS0_aE2+uI7=oP4-eW9xV6qZ3rN1"
# Variables pytest-env sets for the test process that would mask production behaviour.
TEST_ONLY_VARIABLES = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_HTTPS",
    "STATICFILES_MANIFEST",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_secret_key_with_debug_off_stops_with_one_line():
    result = manage("check", DEBUG="false", ALLOWED_HOSTS="doctrina.example.com")
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_debug_defaults_to_off_so_a_missing_secret_key_stops_start_up():
    result = manage("check", ALLOWED_HOSTS="doctrina.example.com")
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "Doctrina cannot start: SECRET_KEY is not set (required when DEBUG is false; see README)."
    ]


def test_missing_allowed_hosts_with_debug_off_stops_with_one_line():
    result = manage("check", DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "ALLOWED_HOSTS" in lines[0]
    assert "SECRET_KEY" not in lines[0]


def test_debug_on_starts_without_secrets():
    result = manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_has_no_warnings_under_production_variables():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        ALLOWED_HOSTS="doctrina.example.com",
        SITE_URL="https://doctrina.example.com",
        CACHE_URL="rediscache://127.0.0.1:6379/0",  # shared, as lms.W002 asks; the check does not connect
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_warns_when_e_mail_links_have_no_site_url():
    result = manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        ALLOWED_HOSTS="doctrina.example.com",
        SITE_URL="",
    )
    assert "notifications.W001" in result.stdout + result.stderr


@pytest.mark.django_db
def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_health_endpoints_refuse_writes(client):
    assert client.post("/healthz").status_code == 405
