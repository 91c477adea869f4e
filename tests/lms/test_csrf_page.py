"""A form sent without a valid CSRF token (a page left open past a log-out, cookies
cleared) gets the site's own page with a way back to the form, never Django's
debug text, in debug mode too (issue 14)."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import course_with_curriculum

pytestmark = pytest.mark.django_db

DJANGO_TEXT = ["CSRF verification failed", "CSRF_FAILURE_VIEW", "Help", "Request aborted"]


def _refused(client, url, **headers):
    response = client.post(url, {"x": "1"}, **headers)
    assert response.status_code == 403
    return response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_a_refused_form_gets_the_site_page_with_a_link_back_to_the_form(student, debug):
    course = course_with_curriculum()
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    form_page = f"http://testserver{course.get_absolute_url()}"
    with override_settings(DEBUG=debug):
        html = _refused(client, reverse("courses:enroll", args=[course.slug]), HTTP_REFERER=form_page)

    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert "<title>Your form expired · Doctrina</title>" in html
    assert f'<a class="button" href="{course.get_absolute_url()}">Reload the page and try again</a>' in html
    assert "My learning" in html  # the header as the logged-in student sees it
    for text in DJANGO_TEXT:
        assert text not in html


@pytest.mark.parametrize(
    "referer", [None, "https://evil.example/courses/", "javascript:alert(1)", "//evil.example/"]
)
def test_without_a_referer_on_this_site_the_link_goes_home(referer):
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_REFERER": referer} if referer else {}
    html = _refused(client, reverse("account_login"), **headers)
    assert '<a class="button" href="/">Reload the page and try again</a>' in html
    assert "evil.example" not in html and "javascript:" not in html
