"""Behind a proxy every request comes from the proxy's address. allauth counts failed logins per
client address, so the site must know which address is the client's: TRUSTED_PROXY_COUNT (or
CLIENT_IP_HEADER) from the environment. Otherwise ten wrong passwords from anyone anywhere lock
everyone out, or, trusting a header nobody vouches for, one attacker escapes every limit."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
PROXY = "10.0.0.2"  # the address gunicorn sees for every request that came through nginx
TOO_MANY = "Too many failed login attempts"


def log_in(client, email: str, password: str, *, forwarded_for: str | None):
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


def client_ip_settings(**environment: str) -> str:
    """The allauth settings lms/settings.py makes from this environment."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_trusted_proxy_count_and_client_ip_header_come_from_the_environment():
    assert client_ip_settings() == "0 None"
    assert client_ip_settings(TRUSTED_PROXY_COUNT="1") == "1 None"
    assert client_ip_settings(CLIENT_IP_HEADER="X-Real-IP") == "0 X-Real-IP"


@pytest.fixture
def behind_one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def test_failed_logins_from_many_addresses_do_not_lock_out_another_address(client, behind_one_proxy):
    victim = UserFactory(email="victim@example.com")
    for number in range(12):  # more than allauth's 10 failures a minute per address
        response = log_in(
            client, f"nobody{number}@example.com", "wrong", forwarded_for=f"203.0.113.{number + 1}"
        )
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()

    response = log_in(client, victim.email, PASSWORD, forwarded_for="198.51.100.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


def test_one_address_hammering_is_limited_whatever_it_writes_in_x_forwarded_for(client, behind_one_proxy):
    # nginx appends the address it saw; what the client wrote comes before it and is not believed.
    answers = [
        log_in(
            client, f"nobody{n}@example.com", "wrong", forwarded_for=f"192.0.2.{n}, 203.0.113.9"
        ).content.decode()
        for n in range(11)
    ]
    assert TOO_MANY not in answers[9]
    assert TOO_MANY in answers[10]
    # Another address is not affected.
    other = log_in(client, "someone@example.com", "wrong", forwarded_for="203.0.113.10").content.decode()
    assert TOO_MANY not in other


def test_without_a_trusted_proxy_a_spoofed_x_forwarded_for_is_not_believed(client):
    answers = [
        log_in(client, f"nobody{n}@example.com", "wrong", forwarded_for=f"192.0.2.{n}").content.decode()
        for n in range(11)
    ]
    assert TOO_MANY not in answers[9]
    assert TOO_MANY in answers[10]


def test_check_deploy_warns_behind_a_proxy_with_no_client_address_trusted(settings):
    from lms.checks import client_address_check

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert [w.id for w in client_address_check(None)] == ["lms.W001"]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert client_address_check(None) == []
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_address_check(None) == []
