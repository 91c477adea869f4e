"""Staying up under slow clients: deploy/nginx/doctrina.conf in front of deploy/gunicorn.conf.py.

Two sync workers serve one request each at a time. A client that sends its body one byte a second
holds a worker for as long as it likes (until gunicorn's timeout kills the worker, 30 s), so a few
of them take the site down when gunicorn faces the Internet. nginx, configured as shipped, reads
every body whole before gunicorn sees it: the site keeps answering. And neither reads a body that
its Content-Length already says is too large.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .servers import WORKERS, SlowClients, connect, get, log_in, post_headers, read_response

SLOW_CLIENTS = 2 * WORKERS + 2  # more slow clients than workers, with room to spare
HUGE = 1_000_000_000  # a gigabyte, announced and never sent


def wait_until_healthy(port: int, *, tls: bool, within: float = 40) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz", tls=tls, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"/healthz did not come back within {within:.0f} s")


def test_healthz_answers_within_a_second_through_nginx_while_slow_clients_send_bodies(nginx):
    assert get(nginx.https_port, "/healthz", tls=True, timeout=5)[:2] == (200, b"ok")
    with SlowClients(nginx.https_port, tls=True, count=SLOW_CLIENTS) as slow:
        time.sleep(2.5)  # every slow client has sent its headers and a few bytes of its body
        for _ in range(3):
            status, body, seconds = get(nginx.https_port, "/healthz", tls=True, timeout=5)
            assert (status, body) == (200, b"ok")
            assert seconds < 1.0, f"/healthz took {seconds:.2f} s behind nginx"
        # The slow clients were still connected and sending the whole time.
        assert slow.errors == []
        assert min(slow.sent) >= 3


def test_without_nginx_the_same_slow_clients_block_gunicorn(gunicorn):
    """Why nginx is there: the class of failure, shown on gunicorn alone (what ran before)."""
    wait_until_healthy(gunicorn.port, tls=False)
    with SlowClients(gunicorn.port, tls=False, count=SLOW_CLIENTS):
        time.sleep(1.5)
        with pytest.raises(TimeoutError):
            get(gunicorn.port, "/healthz", tls=False, timeout=3)
    wait_until_healthy(gunicorn.port, tls=False)


def test_nginx_refuses_a_body_over_its_limit_from_the_content_length_at_once(nginx):
    started = time.monotonic()
    with connect(nginx.https_port, tls=True) as sock:
        sock.sendall(post_headers("/accounts/login/", HUGE))
        status, _ = read_response(sock)
    assert status == 413
    assert time.monotonic() - started < 1.0


def test_gunicorn_alone_refuses_a_body_over_the_limit_before_reading_it(gunicorn):
    """Defence in depth (and the friendly page): the application answers 413 from the header."""
    wait_until_healthy(gunicorn.port, tls=False)
    started = time.monotonic()
    with connect(gunicorn.port, tls=False, timeout=5) as sock:
        sock.sendall(post_headers("/accounts/login/", HUGE, multipart=True) + b"--x\r\n")
        status, answer = read_response(sock)
    assert status == 413
    assert b"too large" in answer
    assert time.monotonic() - started < 2.0


TOO_MANY = "Too many failed login attempts"


def test_failed_logins_from_many_addresses_through_nginx_do_not_lock_out_another(nginx):
    """Every request reaches gunicorn from nginx's address; allauth counts failed logins per client
    address (10 a minute), so without TRUSTED_PROXY_COUNT these would lock out everyone."""
    sources = [f"127.0.0.{n}" for n in range(2, 14)]  # 12 clients, one wrong password each
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        answers = list(
            pool.map(
                lambda source: log_in(nginx.https_port, source=source, email=f"x{source}@example.com"),
                sources,
            )
        )
    assert [status for status, _ in answers] == [200] * len(sources)
    assert not any(TOO_MANY in page for _, page in answers)

    status, page = log_in(nginx.https_port, source="127.0.0.50", email="someone@example.com")
    assert status == 200
    assert "The email address and/or password you specified are not correct." in page
    assert TOO_MANY not in page


def test_one_address_hammering_through_nginx_is_limited_whatever_it_claims_to_be(nginx):
    pages = [
        log_in(
            nginx.https_port, source="127.0.0.60", email=f"y{n}@example.com", forwarded_for=f"192.0.2.{n}"
        )[1]
        for n in range(11)
    ]
    assert TOO_MANY not in pages[9]
    assert TOO_MANY in pages[10]
