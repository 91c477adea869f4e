"""A scheduled module (drip, issue 14), at a desktop's and a phone's width: the
student sees when it opens on the course page, "Complete and continue" stops
before it and says when, and its lesson's own address answers with a page that
says when it opens (403), which axe finds no violation on and which fits a phone."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

from courses.models import Lesson
from tests.browser.layout import settled_widths
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, ModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
OPENS_IN_DAYS = 12


@pytest.fixture
def course(instructor):
    """Module 1 open; module 2 opens to every student in twelve days."""
    course = CourseFactory(title="Caching, calmly", slug="caching-calmly", instructor=instructor)
    first = ModuleFactory(course=course, title="Basics", order=0)
    LessonFactory(module=first, title="What to cache", content="Start with what is slow.", order=0)
    LessonFactory(module=first, title="Cache keys", content="Name what it shows.", order=1)
    later = ModuleFactory(
        course=course,
        title="In production",
        order=1,
        opens_on=timezone.localdate() + timedelta(days=OPENS_IN_DAYS),
    )
    LessonFactory(module=later, title="Stampedes", content="Only after the basics.", order=0)
    return course


def opens_on() -> str:
    return date_format(timezone.localdate() + timedelta(days=OPENS_IN_DAYS), "j F Y")


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_a_drip_module_shows_its_opening_date_and_refuses_its_lesson(page, log_in, student, course, viewport):
    EnrollmentFactory(user=student, course=course)
    log_in(student)
    page.set_viewport_size(viewport)

    page.goto(course.get_absolute_url())
    curriculum = page.locator(".curriculum")
    module = curriculum.locator(".curriculum-module", has_text="In production")
    expect(module.get_by_test_id("module-opens")).to_have_text(f"Opens on {opens_on()}")
    expect(module.get_by_role("link", name="Stampedes")).to_have_count(0)
    expect(page.get_by_test_id("opening-later")).to_have_text(f"1 lesson opens on {opens_on()}")

    # "Complete and continue" on the last open lesson stops before the module and says when.
    page.goto(Lesson.objects.get(title="Cache keys").get_absolute_url())
    page.get_by_role("main").get_by_role("button", name="Complete and continue").click()
    expect(page).to_have_url(re.compile(r"/courses/caching-calmly/#curriculum-heading$"))
    expect(page.get_by_role("status")).to_contain_text(
        f"The next module, “In production”, opens on {opens_on()}."
    )

    # Its lesson's own address: a page that says when, not the lesson.
    response = page.goto(Lesson.objects.get(title="Stampedes").get_absolute_url())
    assert response.status == 403
    expect(page.get_by_role("heading", name="Stampedes", level=1)).to_be_visible()
    expect(page.get_by_test_id("opens-on")).to_have_text(
        f"This lesson opens on {opens_on()} (in {OPENS_IN_DAYS} days)."
    )
    expect(page.get_by_text("Only after the basics.")).to_have_count(0)
    expect(page.get_by_role("link", name="Back to the course")).to_be_visible()

    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    scroll_width, inner_width = settled_widths(page)
    assert scroll_width <= inner_width, f"the page scrolls sideways: {scroll_width}px > {inner_width}px"
