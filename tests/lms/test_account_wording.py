"""One wording for accounts (issue 14): "Log in", "Log out" and "Sign up" on
every page and message a visitor or student reads, allauth's pages included
(they say "Sign In", "Sign Up", "Signup", "Sign Out" out of the box)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# allauth's words; "Sign up" and "sign up" are ours.
ALLAUTH_WORDS = re.compile(r"\b[Ss]ign[ -]?(?:[Ii]n|[Oo]ut)\b|\b[Ss]ignup\b|\bSign Up\b")


def visible_text(html: str) -> str:
    """What a reader sees and a screen reader says: text, titles, labels; not URLs or names."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    attributes = " ".join(re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', html))
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()) + " " + attributes


def page_title(html: str) -> str:
    return " ".join(re.search(r"<title>(.*?)</title>", html, re.S).group(1).split())


@pytest.mark.parametrize(
    ("url_name", "heading", "button"),
    [
        ("account_login", "Log in", "Log in"),
        ("account_signup", "Sign up", "Sign up"),
        ("account_reset_password", "Password Reset", None),
    ],
)
def test_visitor_account_pages_say_log_in_and_sign_up(client, url_name, heading, button):
    html = client.get(reverse(url_name)).content.decode()
    text = visible_text(html)
    assert not ALLAUTH_WORDS.search(text), ALLAUTH_WORDS.search(text)
    assert page_title(html) == f"{heading} · Doctrina"
    assert re.findall(r"<h1[^>]*>\s*(.*?)\s*</h1>", html, re.S) == [heading]
    if button:
        assert re.search(rf'<button[^>]*type="submit"[^>]*>\s*{button}\s*</button>', html)


def test_the_log_in_page_links_to_sign_up_and_keeps_next(client):
    html = client.get(reverse("account_login") + "?next=/courses/x/lessons/3/").content.decode()
    assert f'href="{reverse("account_signup")}?next=%2Fcourses%2Fx%2Flessons%2F3%2F"' in html
    assert ">Sign up<" in html


def test_the_sign_up_page_links_to_log_in_and_keeps_next(client):
    html = client.get(reverse("account_signup") + "?next=/courses/x/lessons/3/").content.decode()
    assert f'href="{reverse("account_login")}?next=%2Fcourses%2Fx%2Flessons%2F3%2F"' in html
    assert ">Log in<" in html


def test_log_out_page_and_the_messages_say_log_in_and_log_out(client, student, password):
    response = client.post(
        reverse("account_login"), {"login": student.email, "password": password}, follow=True
    )
    assert "You are logged in as" in response.content.decode()

    html = client.get(reverse("account_logout")).content.decode()
    assert page_title(html) == "Log out · Doctrina"
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Log out\s*</button>', html)
    assert not ALLAUTH_WORDS.search(visible_text(html))

    response = client.post(reverse("account_logout"), follow=True)
    html = response.content.decode()
    assert "You are logged out." in html
    assert not ALLAUTH_WORDS.search(visible_text(html))
