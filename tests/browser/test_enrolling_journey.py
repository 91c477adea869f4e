"""The path to enrolling, in Chromium at 1280 and 390 px (issue 14): a visitor
narrows the catalogue to a category, opens the course, watches a preview with
the course's call to action beside it, hits a locked lesson, gets a page about
that course and that lesson, signs up from it, lands back on the lesson,
enrolls with one click and reads it."""

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from courses.models import Category, Lesson
from enrollments.models import Enrollment
from tests.browser.layout import settled_widths
from tests.factories import CourseFactory, LessonFactory, ModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
EMAIL = re.compile(r"^Email:?$")
PASSWORD = re.compile(r"^Password:?$")
PASSWORD_AGAIN = re.compile(r"^Password \(again\):?$")


@pytest.fixture
def course(instructor):
    """A free course in "Web development": a preview, then a locked lesson; another
    category's course beside it in the catalogue."""
    course = CourseFactory(
        title="Testing Django in anger", slug="testing-django", instructor=instructor, price=Decimal("0")
    )
    course.categories.set([Category.objects.create(name="Web development", slug="web-development")])
    other = CourseFactory(title="Pandas basics", slug="pandas-basics", price=Decimal("0"))
    other.categories.set([Category.objects.create(name="Data science", slug="data-science", order=1)])
    module = ModuleFactory(course=course, title="Getting started", order=0)
    LessonFactory(
        module=module, title="Why we test", content="Tests let you change code.", is_preview=True, order=0
    )
    LessonFactory(
        module=module, title="Fixtures that scale", content="The factory pattern, in depth.", order=1
    )
    return course


def _no_sideways_scroll(page) -> None:
    scroll_width, inner_width = settled_widths(page)
    assert scroll_width <= inner_width, f"{scroll_width}px > {inner_width}px"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_visitor_finds_a_course_signs_up_from_a_locked_lesson_and_reads_it(
    page, course, password, viewport
):
    size = VIEWPORTS[viewport]
    page.set_viewport_size(size)
    preview, locked = Lesson.objects.filter(module__course=course).order_by("order")
    locked_path = locked.get_absolute_url()

    # The catalogue, narrowed to a category; the course; its preview lesson.
    page.goto("/")
    if viewport == "phone":  # the filters are folded so the courses come first
        page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Category").select_option(label="Web development")
    page.get_by_role("button", name="Show courses").click()
    expect(page.get_by_role("status")).to_have_text("1 course")
    expect(page.get_by_role("article")).to_have_count(1)
    page.get_by_role("link", name="Testing Django in anger").click()
    expect(page.get_by_role("heading", name="Testing Django in anger", level=1)).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Why we test").click()
    expect(page).to_have_url(re.compile(re.escape(preview.get_absolute_url()) + "$"))

    # The preview, with the course's call to action beside it (under it on a phone).
    heading = page.get_by_role("heading", name="Why we test", level=1)
    expect(heading).to_be_visible()
    expect(page.get_by_text("Free preview")).to_be_visible()
    cta = page.get_by_role("complementary", name="Enrollment")
    expect(cta.get_by_role("link", name="Log in to enroll")).to_be_visible()
    expect(cta.get_by_text("Free", exact=True)).to_be_visible()
    _no_sideways_scroll(page)
    side, title = cta.bounding_box(), heading.bounding_box()
    if viewport == "desktop":
        assert side["x"] >= title["x"] + 400 and side["y"] < title["y"] + title["height"], (side, title)
    else:
        assert side["y"] > title["y"] and side["x"] + side["width"] <= size["width"], (side, title)

    # Next: the locked lesson is a page about the course and the lesson, not a bare log-in page.
    page.get_by_role("navigation", name="Lessons").get_by_role("link", name="Fixtures that scale").click()
    expect(page).to_have_url(re.compile(re.escape(locked_path) + "$"))
    expect(page.get_by_role("heading", name="Fixtures that scale", level=1)).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("This lesson is part of Testing Django in anger: sign up free to continue.")
    expect(main.get_by_text("The factory pattern, in depth.")).to_have_count(0)
    sign_up = main.get_by_role("link", name="Sign up", exact=True)
    log_in = main.get_by_role("link", name="Log in", exact=True)
    expect(sign_up).to_be_in_viewport()
    expect(log_in).to_be_visible()
    # Sign up first: before Log in in the reading order, and the primary (filled) button.
    assert sign_up.bounding_box()["x"] < log_in.bounding_box()["x"] or (
        sign_up.bounding_box()["y"] < log_in.bounding_box()["y"]
    )
    assert sign_up.get_attribute("class") == "button"
    _no_sideways_scroll(page)

    sign_up.click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next="))
    assert parse_qs(urlsplit(page.url).query)["next"] == [locked_path]
    expect(page.get_by_role("heading", name="Sign up", level=1)).to_be_visible()
    page.get_by_label(EMAIL).fill("grace@example.com")
    page.get_by_label(PASSWORD).fill(password)
    page.get_by_label(PASSWORD_AGAIN).fill(password)
    page.get_by_role("button", name="Sign up").click()

    # Back on the lesson, logged in: one click enrolls and opens it.
    expect(page).to_have_url(re.compile(re.escape(locked_path) + "$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    enroll = page.get_by_role("main").get_by_role("button", name="Enroll for free")
    expect(enroll).to_be_in_viewport()
    enroll.click()

    expect(page).to_have_url(re.compile(re.escape(locked_path) + "$"))
    expect(page.get_by_role("heading", name="Fixtures that scale", level=1)).to_be_visible()
    expect(page.get_by_text("The factory pattern, in depth.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You are enrolled in “Testing Django in anger”.")
    # A student now: no call to action beside the lesson, no "Free preview" labels.
    expect(page.get_by_role("complementary", name="Enrollment")).to_have_count(0)
    page.get_by_role("navigation", name="Lessons").get_by_role("link", name="Why we test").click()
    expect(page.get_by_role("heading", name="Why we test", level=1)).to_be_visible()
    expect(page.get_by_text("Free preview")).to_have_count(0)
    assert Enrollment.objects.filter(user__email="grace@example.com", course=course).count() == 1


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_paid_course_without_payments_is_not_on_sale_yet(page, instructor, settings, viewport):
    settings.STRIPE_SECRET_KEY = ""
    paid = CourseFactory(title="Payments without tears", instructor=instructor, price=Decimal("49"))
    module = ModuleFactory(course=paid, order=0)
    LessonFactory(module=module, title="What a charge is", is_preview=True, order=0)
    locked = LessonFactory(module=module, title="Idempotency keys", order=1)
    page.set_viewport_size(VIEWPORTS[viewport])

    page.goto(locked.get_absolute_url())

    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Idempotency keys", level=1)).to_be_visible()
    expect(main.get_by_text("Not on sale yet")).to_be_in_viewport()
    expect(main.get_by_text("STRIPE_SECRET_KEY")).to_have_count(0)
    expect(main.get_by_role("link", name="Sign up to buy")).to_have_count(0)
    _no_sideways_scroll(page)
