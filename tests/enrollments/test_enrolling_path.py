"""The path to enrolling (issue 14): a preview lesson offers the course's call to
action beside it; an anonymous visitor on a locked lesson gets a page about
that course and that lesson that offers sign-up first and log-in second, both
coming back to the lesson, where a free course is one click from reading it;
a paid course that cannot be bought yet says "Not on sale yet" (why, to staff
only); enrolled students see no "Free preview" labels."""

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from courses.models import Lesson
from enrollments.models import Enrollment
from tests.factories import EnrollmentFactory, UserFactory, course_with_curriculum

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
LOGIN = reverse("account_login")


def lessons(course) -> tuple[Lesson, Lesson]:
    """(the preview, the first locked lesson) of a course_with_curriculum."""
    return (
        Lesson.objects.get(module__course=course, title="Lesson 1.1"),
        Lesson.objects.get(module__course=course, title="Lesson 1.2"),
    )


def links(html: str, path: str) -> list[tuple[str, str]]:
    """(link text, next=) of every link in <main> to `path` with a query."""
    main = html[html.index('<main id="main"') :]
    found = []
    for href, text in re.findall(rf'<a [^>]*href="({re.escape(path)}\?[^"]*)"[^>]*>(.*?)</a>', main, re.S):
        query = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        found.append((" ".join(re.sub(r"<[^>]+>", "", text).split()), query.get("next", [""])[0]))
    return found


# --- an anonymous visitor on a locked lesson ------------------------------------------------


@pytest.mark.parametrize(
    ("price", "words"), [(Decimal("0"), "sign up free to continue"), (Decimal("30"), "buy it to continue")]
)
def test_a_visitor_on_a_locked_lesson_gets_a_page_about_the_course_and_the_lesson(
    client, settings, price, words
):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    course = course_with_curriculum(title="Testing Django in anger", price=price)
    _, locked = lessons(course)
    url = locked.get_absolute_url()

    response = client.get(url)

    assert response.status_code == 403
    assert response.templates[0].name == "learning/lesson_locked.html"
    html = response.content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Lesson 1.2" in text
    assert "This lesson is part of Testing Django in anger" in text
    assert words in text.lower()
    assert "Secret content 1.2" not in html
    # Sign up first (the primary button), log in second, both back to this lesson.
    main = html[html.index('<main id="main"') :]
    sign_up = main.index(f'href="{SIGNUP}?next=')
    log_in = main.index(f'href="{LOGIN}?next=')
    assert sign_up < log_in
    assert re.search(rf'<a class="button" href="{re.escape(SIGNUP)}\?next=', main)
    assert links(html, SIGNUP)[0][1] == url
    assert links(html, LOGIN)[0][1] == url


def test_the_sign_up_from_a_locked_lesson_lands_back_on_it_and_a_free_course_is_one_click_away(
    client, password
):
    course = course_with_curriculum(price=Decimal("0"))
    _, locked = lessons(course)
    url = locked.get_absolute_url()
    signup_href = links(client.get(url).content.decode(), SIGNUP)[0][1]

    response = client.post(
        f"{SIGNUP}?next={signup_href}",
        {"email": "grace@example.com", "password1": password, "password2": password, "next": signup_href},
    )

    assert response.status_code == 302
    assert response.url == url
    # Back on the lesson, logged in but not enrolled: the page offers enrollment, which returns here.
    response = client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form.group(1) == reverse("courses:enroll", args=[course.slug])
    assert "Enroll for free" in form.group(2)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    assert data["next"] == url

    response = client.post(form.group(1), data)

    assert response.status_code == 302 and response.url == url
    assert Enrollment.objects.filter(user__email="grace@example.com", course=course, status="active").exists()
    assert "Secret content 1.2" in client.get(url).content.decode()


def test_logging_in_from_a_locked_lesson_lands_back_on_it(client, password):
    course = course_with_curriculum()
    _, locked = lessons(course)
    student = EnrollmentFactory(course=course).user
    url = locked.get_absolute_url()
    login_next = links(client.get(url).content.decode(), LOGIN)[0][1]

    response = client.post(
        f"{LOGIN}?next={login_next}", {"login": student.email, "password": password, "next": login_next}
    )

    assert response.status_code == 302 and response.url == url
    assert "Secret content 1.2" in client.get(url).content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "/courses/"])
def test_enrolling_returns_only_to_a_page_of_that_course(client, student, next_url):
    course = course_with_curriculum()
    preview, _ = lessons(course)
    client.force_login(student)
    response = client.post(reverse("courses:enroll", args=[course.slug]), {"next": next_url})
    assert response.status_code == 302
    assert response.url == preview.get_absolute_url()  # the first lesson, as without `next`


def test_a_revoked_student_still_gets_the_enroll_page_not_the_visitors(client):
    course = course_with_curriculum()
    _, locked = lessons(course)
    client.force_login(EnrollmentFactory(course=course, status="revoked").user)
    html = client.get(locked.get_absolute_url()).content.decode()
    assert "Your access to this course has ended." in html
    assert not links(html, SIGNUP)


# Anonymous: the lesson with its module, course and instructor; nothing else (no
# session, no enrollment, no curriculum: the locked page shows none of them).
ANONYMOUS_LOCKED = 1
# Anonymous on a preview seen before: served whole from the anonymous page cache
# (lms/page_cache.py). Rendered (tests/lms/test_page_cache.py pins that): the lesson,
# the curriculum's version; the call to action costs none.
ANONYMOUS_PREVIEW_WARM = 0


def test_the_lesson_pages_of_a_visitor_run_a_pinned_number_of_queries(client, django_assert_num_queries):
    course = course_with_curriculum(modules=3, lessons_per_module=5)
    preview, locked = (lesson.get_absolute_url() for lesson in lessons(course))
    client.get(preview)  # the curriculum is cached from here on
    with django_assert_num_queries(ANONYMOUS_LOCKED):
        assert client.get(locked).status_code == 403
    with django_assert_num_queries(ANONYMOUS_PREVIEW_WARM):
        assert client.get(preview).status_code == 200


# --- a preview lesson offers the course's call to action -----------------------------------


def _enrollment_aside(html: str) -> str:
    match = re.search(r'<aside[^>]*aria-label="Enrollment"[^>]*>(.*?)</aside>', html, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    ("price", "viewer", "expected"),
    [
        (Decimal("0"), "anonymous", "Log in to enroll"),
        (Decimal("0"), "student", "Enroll for free"),
        (Decimal("30"), "student", "Buy for $30.00"),
        (Decimal("30"), "anonymous", "Sign up to buy"),
    ],
)
def test_a_preview_lesson_shows_the_call_to_action_beside_it(client, settings, price, viewer, expected):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    course = course_with_curriculum(price=price)
    preview, _ = lessons(course)
    if viewer == "student":
        client.force_login(UserFactory())

    html = client.get(preview.get_absolute_url()).content.decode()

    aside = _enrollment_aside(html)
    assert expected in aside
    assert "Secret content 1.1" in html  # the preview itself


@pytest.mark.parametrize("viewer", ["enrolled", "owner"])
def test_students_and_authors_get_no_call_to_action_beside_a_lesson(client, viewer):
    course = course_with_curriculum()
    preview, _ = lessons(course)
    client.force_login(EnrollmentFactory(course=course).user if viewer == "enrolled" else course.instructor)
    html = client.get(preview.get_absolute_url()).content.decode()
    assert 'aria-label="Enrollment"' not in html


def test_enrolling_from_a_preview_opens_that_preview(client, student):
    course = course_with_curriculum(modules=2, lessons_per_module=2)
    preview = Lesson.objects.get(module__course=course, title="Lesson 2.1")  # not the first lesson
    preview.is_preview = True
    preview.save()
    client.force_login(student)
    aside = _enrollment_aside(client.get(preview.get_absolute_url()).content.decode())
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', aside))
    response = client.post(reverse("courses:enroll", args=[course.slug]), data)
    assert response.url == preview.get_absolute_url()


# --- a paid course that cannot be bought yet ------------------------------------------------


@pytest.mark.parametrize("viewer", ["anonymous", "student", "instructor"])  # a superuser edits it
@pytest.mark.parametrize("page", ["course", "locked", "preview"])
def test_without_payments_a_paid_course_is_not_on_sale_yet_and_only_staff_read_why(
    client, settings, viewer, page, other_instructor
):
    settings.STRIPE_SECRET_KEY = ""
    course = course_with_curriculum(price=Decimal("30"))
    preview, locked = lessons(course)
    user = {
        "anonymous": None,
        "student": UserFactory(),
        "instructor": other_instructor,  # staff, as every instructor is
    }[viewer]
    if user:
        client.force_login(user)
    url = {
        "course": course.get_absolute_url(),
        "locked": locked.get_absolute_url(),
        "preview": preview.get_absolute_url(),
    }[page]

    html = client.get(url).content.decode()

    assert "Not on sale yet" in html
    assert "Buy for" not in html and "Sign up to buy" not in html
    assert reverse("payments:checkout", kwargs={"slug": course.slug}) not in html
    assert ("STRIPE_SECRET_KEY" in html) is (viewer == "instructor")
    assert ("Payments are not configured" in html) is (viewer == "instructor")


def test_a_stale_buy_form_without_payments_says_not_on_sale_yet(client, student, settings):
    settings.STRIPE_SECRET_KEY = ""
    course = course_with_curriculum(price=Decimal("30"))
    client.force_login(student)
    response = client.post(reverse("payments:checkout", kwargs={"slug": course.slug}))
    html = response.content.decode()
    assert response.status_code == 503
    assert "Not on sale yet" in html and "nothing was charged" in html
    assert "not configured" not in html


# --- "Free preview" labels are for visitors -------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "labelled"), [("anonymous", True), ("student", True), ("enrolled", False)]
)
def test_free_preview_labels_are_for_those_who_have_not_enrolled(client, viewer, labelled):
    course = course_with_curriculum()
    preview, _ = lessons(course)
    if viewer == "student":
        client.force_login(UserFactory())
    elif viewer == "enrolled":
        client.force_login(EnrollmentFactory(course=course).user)

    lesson_html = client.get(preview.get_absolute_url()).content.decode()
    course_html = client.get(course.get_absolute_url()).content.decode()

    assert ("Free preview" in lesson_html) is labelled
    assert ('Preview<span class="visually-hidden"> “Lesson 1.1”' in course_html) is labelled
