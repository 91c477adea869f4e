"""gunicorn with deploy/gunicorn.conf.py and nginx with deploy/nginx/doctrina.conf, on free loopback
ports, each in its own process group and stopped whatever happens; and raw HTTP clients for them."""

from __future__ import annotations

import http.client
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
SITE_TEMPLATE = REPO / "deploy" / "nginx" / "doctrina.conf"
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
HOST = "127.0.0.1"
SITE_HOST = "doctrina.example.com"  # the server_name of the template
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


class Gunicorn:
    """The shipped gunicorn config, two sync workers, production settings behind a TLS proxy."""

    def __init__(self, directory: Path, **environment: str) -> None:
        self.port = free_port()
        self.log = directory / "gunicorn.log"
        self.environment = {
            "DEBUG": "false",
            "TASK_BACKEND": "immediate",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": f"{SITE_HOST},{HOST}",
            "BEHIND_TLS_PROXY": "true",
            "SECURE_HTTPS": "true",
            "STATICFILES_MANIFEST": "false",
            "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
            # allauth's rate limits count in the cache: one shared by both workers.
            "CACHE_URL": f"filecache://{directory / 'cache'}",
            "GUNICORN_BIND": f"{HOST}:{self.port}",
            "WEB_CONCURRENCY": str(WORKERS),
            "GUNICORN_LOG_LEVEL": "warning",
            **environment,
        }

    def migrate(self) -> Gunicorn:
        """Give the SQLite file its tables (the log-in page needs them)."""
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=REPO,
            env={**os.environ, **self.environment},
            check=True,
            capture_output=True,
            timeout=120,
        )
        return self

    def __enter__(self) -> Gunicorn:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), "-c", str(GUNICORN_CONF), "--access-logfile", "/dev/null"],
                cwd=REPO,
                env={**os.environ, **self.environment},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_listening(self.port, self.process, self.log)
        except BaseException:
            _stop(self.process)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        _stop(self.process)


def site_config(
    *, upstream: str | list[str], https_port: int, http_port: int, certificate: Path, key: Path
) -> str:
    """deploy/nginx/doctrina.conf with only what differs on a test machine substituted; several
    upstreams (app servers) take turns, nginx's default round-robin."""
    text = SITE_TEMPLATE.read_text()
    upstreams = [upstream] if isinstance(upstream, str) else upstream
    replacements = {
        "server 127.0.0.1:8000 fail_timeout=0;": "\n    ".join(
            f"server {address} fail_timeout=0;" for address in upstreams
        ),
        "listen 443 ssl http2;": f"listen {HOST}:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen [::]:80;": "",
        f"/etc/letsencrypt/live/{SITE_HOST}/fullchain.pem": str(certificate),
        f"/etc/letsencrypt/live/{SITE_HOST}/privkey.pem": str(key),
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{SITE_TEMPLATE} should contain {old!r} once"
        text = text.replace(old, new)
    return text


class Nginx:
    """Debian's nginx with the site config, as an unprivileged process (nobody when the tests run as
    root) whose prefix, pid, logs and temporary files are in a folder of its own."""

    def __init__(self, binary: str, upstream_port: int | list[int]) -> None:
        self.binary = binary
        ports = [upstream_port] if isinstance(upstream_port, int) else upstream_port
        self.upstream = [f"{HOST}:{port}" for port in ports]
        self.https_port = free_port()
        self.http_port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="doctrina-nginx-"))
        self.log = self.directory / "error.log"

    def _write_config(self) -> Path:
        d = self.directory
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
             f"/CN={SITE_HOST}", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        (d / "doctrina.conf").write_text(
            site_config(
                upstream=self.upstream,
                https_port=self.https_port,
                http_port=self.http_port,
                certificate=d / "cert.pem",
                key=d / "key.pem",
            )
        )
        temp_paths = "\n".join(
            f"    {kind}_temp_path {d / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main = d / "nginx.conf"
        main.write_text(
            f"worker_processes 1;\npid {d / 'nginx.pid'};\nerror_log {self.log} warn;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n    include /etc/nginx/mime.types;\n    access_log {d / 'access.log'};\n"
            f"{temp_paths}\n    include {d / 'doctrina.conf'};\n}}\n"
        )
        return main

    def __enter__(self) -> Nginx:
        config = self._write_config()
        self.log.touch()
        as_user = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for path in [self.directory, *self.directory.iterdir()]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        command = [self.binary, "-p", str(self.directory), "-c", str(config), "-e", str(self.log)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30, **as_user)
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **as_user,
        )
        try:
            _wait_listening(self.https_port, self.process, self.log)
        except BaseException:
            _stop(self.process)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        _stop(self.process)
        shutil.rmtree(self.directory, ignore_errors=True)


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    return context


def connect(port: int, *, tls: bool, timeout: float = 5) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=timeout)
    return _tls().wrap_socket(sock, server_hostname=SITE_HOST) if tls else sock


def get(port: int, path: str, *, tls: bool, timeout: float) -> tuple[int, bytes, float]:
    """(status, body, seconds) of a GET, as through nginx or as nginx passes it on."""
    started = time.monotonic()
    if tls:
        connection = http.client.HTTPSConnection(HOST, port, timeout=timeout, context=_tls())
    else:
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": SITE_HOST, "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        return response.status, response.read(), time.monotonic() - started
    finally:
        connection.close()


CSRF_TOKEN = "a" * 32  # a well-formed CSRF cookie: Django's check then reads the form to compare


def post_headers(path: str, content_length: int, *, multipart: bool = False) -> bytes:
    """The headers of a form POST that passes every check made before the body is read."""
    content_type = "multipart/form-data; boundary=x" if multipart else "application/x-www-form-urlencoded"
    return (
        f"POST {path} HTTP/1.1\r\nHost: {SITE_HOST}\r\nX-Forwarded-Proto: https\r\n"
        f"Origin: https://{SITE_HOST}\r\nCookie: csrftoken={CSRF_TOKEN}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {content_length}\r\nConnection: close\r\n\r\n"
    ).encode()


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """The status and body of the answer, without waiting for the server to close."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, response.read()


class SlowClients:
    """`count` clients that each POST a form one byte a second, for as long as the block lasts."""

    def __init__(self, port: int, *, tls: bool, count: int, path: str = "/accounts/login/") -> None:
        self.port, self.tls, self.count, self.path = port, tls, count, path
        self.sent = [0] * count
        self.errors: list[str] = []
        self._stop = threading.Event()

    def __enter__(self) -> SlowClients:
        self.sockets = [connect(self.port, tls=self.tls) for _ in range(self.count)]
        for sock in self.sockets:
            sock.sendall(post_headers(self.path, 1000))
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()
        return self

    def _trickle(self) -> None:
        while not self._stop.is_set():
            for index, sock in enumerate(self.sockets):
                try:
                    sock.sendall(b"a")
                    self.sent[index] += 1
                except OSError as exc:
                    self.errors.append(f"client {index}: {exc}")
            self._stop.wait(1)

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def log_in(
    port: int, *, source: str, email: str, password: str = "wrong", forwarded_for: str = ""
) -> tuple[int, str]:
    """Open the log-in page and send its form, over TLS from the loopback address `source`, as a
    browser on another machine would reach nginx. Returns the status and the page."""
    headers = {"Host": SITE_HOST}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for

    def request(method: str, body: str = "", extra: dict | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPSConnection(
            HOST, port, timeout=30, context=_tls(), source_address=(source, 0)
        )
        connection.request(
            method, "/accounts/login/", body=body or None, headers={**headers, **(extra or {})}
        )
        return connection.getresponse()

    page = request("GET")
    cookie = SimpleCookie(page.getheader("Set-Cookie"))["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())[1]
    answer = request(
        "POST",
        urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password}),
        {
            "Cookie": f"csrftoken={cookie}",
            "Origin": f"https://{SITE_HOST}",
            "Referer": f"https://{SITE_HOST}/accounts/login/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    return answer.status, answer.read().decode()
