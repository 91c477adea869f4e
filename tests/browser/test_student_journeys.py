"""A visitor and a new student, end to end in Chromium (issue 3)."""

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from courses.models import Lesson
from enrollments.models import Enrollment
from notifications.models import Notification
from tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, ModuleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YOUTUBE_ID = "dQw4w9WgXcQ"
# allauth renders its forms with form.as_p, whose labels end with a colon.
EMAIL = re.compile(r"^Email:?$")
PASSWORD = re.compile(r"^Password:?$")
PASSWORD_AGAIN = re.compile(r"^Password \(again\):?$")
FIRST_NAME = re.compile(r"^First name:?$")


@pytest.fixture
def django_course(instructor):
    """A published free course: a YouTube preview, then a locked lesson."""
    course = CourseFactory(
        title="Testing Django in anger",
        slug="testing-django",
        subtitle="From unit tests to the browser",
        instructor=instructor,
        price=Decimal("0"),
    )
    module = ModuleFactory(course=course, title="Getting started", order=0)
    preview = LessonFactory(
        module=module,
        title="Why we test",
        kind=Lesson.Kind.VIDEO,
        video_id=YOUTUBE_ID,
        content="",
        is_preview=True,
        order=0,
    )
    locked = LessonFactory(
        module=module, title="Fixtures that scale", content="The factory pattern, in depth.", order=1
    )
    return course, preview, locked


def test_anonymous_visitor_browses_previews_and_is_sent_to_log_in(page, django_course, password):
    course, preview, locked = django_course
    CourseFactory(title="Sourdough for beginners", slug="sourdough", subtitle="Bread, slowly")
    student = UserFactory(email="returning@example.com")
    EnrollmentFactory(user=student, course=course)

    page.goto("/")
    expect(page.get_by_role("heading", name="All courses", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Sourdough for beginners")).to_be_visible()

    header_search = page.get_by_role("search")
    header_search.get_by_label("Search courses").fill("django")
    header_search.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Courses matching “django”", level=1)).to_be_visible()
    expect(page.get_by_text("1 course", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Sourdough for beginners")).to_have_count(0)

    page.get_by_role("link", name="Testing Django in anger").click()
    expect(page).to_have_url(re.compile(r"/courses/testing-django/$"))
    expect(page.get_by_role("heading", name="Testing Django in anger", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Log in to enroll")).to_be_visible()
    # The locked lesson is listed by title only: no link to it for a visitor.
    curriculum = page.get_by_role("region", name="Curriculum")
    expect(curriculum.get_by_text("Fixtures that scale")).to_be_visible()
    expect(curriculum.get_by_role("link", name="Fixtures that scale")).to_have_count(0)

    curriculum.get_by_role("link", name="Preview “Why we test”").click()
    expect(page).to_have_url(re.compile(rf"/courses/testing-django/lessons/{preview.pk}/$"))
    expect(page.get_by_role("heading", name="Why we test", level=1)).to_be_visible()
    video = page.get_by_title("Video: Why we test")
    expect(video).to_have_attribute("src", f"https://www.youtube-nocookie.com/embed/{YOUTUBE_ID}?rel=0")
    expect(video).not_to_have_attribute("src", re.compile("autoplay"))

    # Next → crosses into the locked lesson: the page about it offers sign-up, then log-in,
    # and the visitor comes back after logging in.
    page.get_by_role("navigation", name="Lessons").get_by_role("link", name="Fixtures that scale").click()
    locked_path = f"/courses/testing-django/lessons/{locked.pk}/"
    expect(page.get_by_role("heading", name="Fixtures that scale", level=1)).to_be_visible()
    expect(page.get_by_text("The factory pattern, in depth.")).to_have_count(0)
    page.get_by_role("main").get_by_role("link", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert parse_qs(urlsplit(page.url).query)["next"] == [locked_path]
    expect(page.get_by_role("heading", name="Log in", level=1)).to_be_visible()

    page.get_by_label(EMAIL).fill(student.email)
    page.get_by_label(PASSWORD).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(locked_path) + "$"))
    expect(page.get_by_role("heading", name="Fixtures that scale", level=1)).to_be_visible()
    expect(page.get_by_text("The factory pattern, in depth.")).to_be_visible()


def test_new_student_signs_up_enrolls_and_reads_the_notification(page, django_course, password):
    course, preview, _locked = django_course

    page.goto(course.get_absolute_url())
    page.get_by_role("link", name="Create a free account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next="))
    page.get_by_label(EMAIL).fill("grace@example.com")
    page.get_by_label(PASSWORD).fill(password)
    page.get_by_label(PASSWORD_AGAIN).fill(password)
    page.get_by_label(FIRST_NAME).fill("Grace")
    page.get_by_role("button", name="Sign up").click()

    # Back on the course, signed in: the call to action is now the free enrollment.
    expect(page).to_have_url(re.compile(r"/courses/testing-django/$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    badge = page.get_by_test_id("unread-count")
    expect(badge).to_have_count(0)  # nothing unread: no "0" badge

    page.get_by_role("button", name="Enroll for free").click()
    expect(page).to_have_url(re.compile(rf"/courses/testing-django/lessons/{preview.pk}/$"))
    expect(page.get_by_role("heading", name="Why we test", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You are enrolled in “Testing Django in anger”.")
    expect(badge).to_have_text("1")
    expect(badge).to_have_accessible_name("1 unread")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(page.get_by_role("heading", name="My learning", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Testing Django in anger", exact=True)).to_be_visible()
    expect(page.get_by_text("0% complete")).to_be_visible()
    expect(page.get_by_role("link", name="Continue Testing Django in anger")).to_have_attribute(
        "href", preview.get_absolute_url()
    )

    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    notification = page.get_by_role("listitem").filter(has_text="Course enrolled!")
    expect(notification).to_be_visible()
    notification.get_by_role("button", name=re.compile(r"^Mark as read")).click()

    expect(badge).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Mark as read"))).to_have_count(0)

    # What the browser showed is what the database holds: one enrollment, one read notification.
    assert Enrollment.objects.filter(user__email="grace@example.com", course=course).count() == 1
    assert list(
        Notification.objects.filter(user__email="grace@example.com").values_list("read", flat=True)
    ) == [True]
