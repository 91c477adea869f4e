"""Browser journeys: Playwright for Python driving Debian's Chromium against
pytest-django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Where
that binary is missing the journeys skip with the reason, except in CI
(CI=true or REQUIRE_BROWSER=1), where they fail: browser tests must run there.
Every request the page makes outside loopback is aborted, so a journey never
waits on the network (YouTube iframes, fonts) and never reaches the internet.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # we run as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous for a loaded 2-core CI box, short enough that a broken journey fails fast.
TIMEOUT_MS = 10_000
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
ARTIFACTS_DIR = "test-artifacts"


def _browser_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"Browser journeys need Debian's Chromium at {CHROMIUM} (apt-get install chromium)."
        if _browser_required():
            pytest.fail(f"{reason} CI/REQUIRE_BROWSER is set: browser tests must run, not skip.")
        pytest.skip(reason)

    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _abort_off_loopback(route) -> None:
    host = urlsplit(route.request.url).hostname or ""
    if host in LOOPBACK_HOSTS:
        route.continue_()
    else:
        route.abort()


# Chromium's console line for anything the Content-Security-Policy blocked
# ("Refused to load/execute/apply/send form data … Content Security Policy …"),
# and the line our listener writes for each securitypolicyviolation event.
CSP_VIOLATION = re.compile(r"Content.Security.Policy|securitypolicyviolation", re.IGNORECASE)
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`securitypolicyviolation: ${event.violatedDirective} blocked ${event.blockedURI}`
    + ` at ${event.documentURI}:${event.lineNumber} ${event.sample}`);
});
"""


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    context.route(re.compile(r"^https?://"), _abort_off_loopback)
    # Every journey doubles as a Content-Security-Policy check: anything the
    # policy blocked on any page fails the test at teardown.
    violations: list[str] = []
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.on(
        "console", lambda message: CSP_VIOLATION.search(message.text) and violations.append(message.text)
    )
    yield context
    for open_page in context.pages:
        open_page.wait_for_timeout(50)  # deliver console events still in flight
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations in the browser console:\n" + "\n".join(violations))


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def log_in(context, live_server) -> Callable:
    """Log a user in without the form: give the browser a session made by
    Django's test client. The form itself is covered by the sign-up journey."""

    def _log_in(user) -> None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )

    return _log_in


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call) -> Iterator:
    report = yield
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None:
        directory = item.config.rootpath / ARTIFACTS_DIR
        directory.mkdir(exist_ok=True)
        path = directory / (re.sub(r"[^\w.-]+", "_", item.name) + ".png")
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as exc:  # the page may be gone; never hide the real failure
            report.sections.append(("screenshot", f"could not save {path}: {exc}"))
        else:
            report.sections.append(("screenshot", f"saved {path} (at {page.url})"))
    return report
