"""Every HTML page carries a Content-Security-Policy (django-csp) and a
Permissions-Policy: scripts and styles only from this site (no 'unsafe-inline'),
frames only from the video hosts courses/video.py embeds, forms posted only here
or to Stripe Checkout (Chromium applies form-action to the redirect after the
POST), never framed, no plugins, no <base> elsewhere."""

import base64
import hashlib
import re

import pytest

from courses.models import Lesson
from courses.video import video_embed_for
from tests.factories import EnrollmentFactory, LessonFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def pages(client, student, instructor, superuser):
    course = course_with_curriculum(instructor=instructor)
    video = LessonFactory(
        module=course.modules.first(), kind=Lesson.Kind.VIDEO, video_url="https://youtu.be/rfscVS0vtbw"
    )
    EnrollmentFactory(user=student, course=course)
    return {
        "catalogue": (None, "/courses/"),
        "course page": (None, course.get_absolute_url()),
        "log-in page": (None, "/accounts/login/"),
        "lesson page": (student, video.get_absolute_url()),
        "not found": (student, "/courses/no-such-course/"),
        "admin index": (superuser, "/admin/"),
        "admin lessons": (instructor, "/admin/courses/lesson/"),
        "admin course": (instructor, f"/admin/courses/course/{course.pk}/change/"),
        "admin users": (superuser, "/admin/lms/user/"),
        "admin add course": (superuser, "/admin/courses/course/add/"),
    }


NAMES = [
    "catalogue", "course page", "log-in page", "lesson page", "not found",
    "admin index", "admin lessons", "admin course", "admin users", "admin add course",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_every_html_page_has_a_strict_policy(client, pages, name, settings):
    user, url = pages[name]
    if user:
        client.force_login(user)
    response = client.get(url)
    assert response["Content-Type"].startswith("text/html")

    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'"]
    assert policy["form-action"] == ["'self'", "https://checkout.stripe.com"]
    assert sorted(policy["frame-src"]) == ["https://player.vimeo.com", "https://www.youtube-nocookie.com"]

    permissions = response.headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions
    assert 'fullscreen=(self "https://www.youtube-nocookie.com" "https://player.vimeo.com")' in permissions


def _allowed_by(policy: list[str], source: str) -> bool:
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
    return f"'sha256-{digest}'" in policy


def _blocked_inline(response) -> list[str]:
    """What the browser would refuse on this page under its own policy."""
    html = response.content.decode()
    policy = directives(response)
    blocked = []
    for attributes, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S):
        executable = "src=" not in attributes and 'type="application/json"' not in attributes
        if executable and not _allowed_by(policy["script-src"], body):
            blocked.append(f"inline script {body[:80]!r}")
    for body in re.findall(r"<style\b[^>]*>(.*?)</style>", html, flags=re.S):
        if not _allowed_by(policy["style-src"], body):
            blocked.append(f"inline style {body[:80]!r}")
    blocked += [f"attribute {m!r}" for m in re.findall(r"\s(?:style|on[a-z]+)=\"[^\"]{0,40}", html)]
    return blocked


@pytest.mark.parametrize("name", NAMES)
def test_no_inline_script_or_style_the_policy_would_block(client, pages, name):
    """What the browser would refuse (an inline <script>, <style> or style=
    attribute whose hash the policy does not list) is not on the page."""
    user, url = pages[name]
    if user:
        client.force_login(user)
    assert _blocked_inline(client.get(url)) == []


def test_the_checkout_origin_follows_a_local_stripe_mock(client, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:12345"
    policy = directives(client.get("/courses/"))
    assert policy["form-action"] == ["'self'", "http://127.0.0.1:12345"]


def test_every_video_host_the_site_embeds_is_a_frame_source(client):
    policy = directives(client.get("/courses/"))
    for embed in (video_embed_for(video_id="rfscVS0vtbw"), video_embed_for(video_id="76979871")):
        origin = re.match(r"https://[^/]+", embed.embed_url).group(0)
        assert origin in policy["frame-src"]


def test_a_submitted_file_keeps_its_own_sandbox_policy(client, student, tmp_path):
    """The private download sets its own, stricter policy; the site's does not replace it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.learning.factories import SubmissionFactory

    submission = SubmissionFactory(user=student, file=SimpleUploadedFile("essay.pdf", b"%PDF-1.4 x"))
    EnrollmentFactory(user=student, course=submission.lesson.module.course)
    client.force_login(student)
    response = client.get(f"/submissions/{submission.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_every_page_of_the_url_conf_keeps_to_its_policy(world, client):
    """Generated: every path() of the site, filled with the seeded world's ids,
    as the enrolled student and as the instructor; every admin list, add and
    change page as a superuser. Each HTML page has the policy and nothing on it
    that the policy would block."""
    from django.contrib import admin
    from django.test import Client

    from tests.security.conftest import valid_kwargs
    from tests.security.sweep import routes

    kwargs = {**valid_kwargs(world), "key": "abc123", "uidb36": "1"}
    urls = [
        route.path({name: kwargs[name] for name in route.converters})
        for route in routes(exclude_prefixes=("admin/",))
        if "logout" not in route.name
    ]
    for model in admin.site._registry:
        info = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [info, f"{info}add/"]
        first = model._default_manager.first()
        if first is not None:
            urls.append(f"{info}{first.pk}/change/")
    problems, pages = [], 0
    for user in (world.student.user, world.instructor, world.superuser):
        client = Client()
        client.force_login(user)
        for url in urls if user != world.superuser else [u for u in urls if u.startswith("/admin/")]:
            response = client.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            pages += 1
            if "Content-Security-Policy" not in response or "Permissions-Policy" not in response:
                problems.append(f"{url}: no policy headers")
            else:
                problems += [f"{url}: {what}" for what in _blocked_inline(response)]
    assert pages > 60
    assert not problems, "\n".join(problems)
