"""Instructor pages and course pictures in Chromium (issue 14), at 1280 and
390 px: long titles and unbroken words wrap inside cards, the course header
and the instructor's profile instead of overflowing them; the instructor page
has no WCAG A/AA violation (axe); the placeholder is drawn without style=."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from courses.models import Course
from tests.browser.layout import settled_widths
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.factories import CourseFactory, EnrollmentFactory, InstructorFactory, course_with_curriculum

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
UNBROKEN = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2  # 90 letters, no space
LONG_TITLE = f"The complete, unabridged guide to building and running web applications {UNBROKEN}"
assert len(LONG_TITLE) <= 200  # Course.title's limit (PostgreSQL enforces it)

# Every text box that must stay inside its card or column: the element's right edge
# against its container's, and its own content against its box.
OVERFLOWS = """
(elements) => elements.flatMap((element) => {
  const box = element.getBoundingClientRect();
  const container = element.closest('.course-card, .course-intro, .instructor-about, .instructor-card, main')
    .getBoundingClientRect();
  const spills = element.scrollWidth > element.clientWidth + 1 || box.right > container.right + 1;
  return spills ? [`${element.tagName}.${element.className}: ${element.textContent.slice(0, 40)}`] : [];
})
"""
TEXT_BOXES = (
    ".course-card h2, .course-card .subtitle, .course-card .course-meta, .course-intro h1, .course-intro p, "
    ".instructor-card h2, .instructor-card p, .instructor-about h1, .instructor-about p, "
    ".instructor-courses h2"
)


@pytest.fixture
def teacher():
    teacher = InstructorFactory(
        first_name="Maximiliana",
        last_name=f"Von{UNBROKEN}",
        title=f"Principal engineer, {UNBROKEN}",
        bio=f"Teaches what she ships.\n\nHer favourite word: {UNBROKEN}.",
    )
    course = course_with_curriculum(
        modules=1, lessons_per_module=2, instructor=teacher, title=LONG_TITLE, subtitle=UNBROKEN
    )
    EnrollmentFactory(course=course)
    for n in range(3):
        CourseFactory(
            instructor=teacher, title=f"Course number {n} {UNBROKEN}", status=Course.Status.PUBLISHED
        )
    return teacher


def _no_overflow(page) -> None:
    scroll_width, inner_width = settled_widths(page)
    assert scroll_width <= inner_width, f"{page.url} scrolls sideways: {scroll_width}px > {inner_width}px"
    spilling = page.locator(TEXT_BOXES).evaluate_all(OVERFLOWS)
    assert spilling == [], f"text overflows its box at {page.viewport_size['width']} px: {spilling}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_long_titles_and_unbroken_words_wrap_everywhere(page, teacher, viewport):
    page.set_viewport_size(viewport)
    course = Course.objects.get(title=LONG_TITLE)

    page.goto(reverse("courses:catalogue"))
    expect(page.get_by_role("link", name=LONG_TITLE)).to_be_visible()
    _no_overflow(page)
    placeholders = page.locator(".course-card .course-placeholder")
    assert placeholders.count() == 4
    # Not one word on every card: each shows its own initials on its own colour.
    classes = {placeholders.nth(i).get_attribute("class") for i in range(4)}
    assert len(classes) == 4, classes
    box = placeholders.first.bounding_box()
    assert abs(box["width"] * 9 / 16 - box["height"]) < 2  # 16:9, as a picture would be

    page.goto(course.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _no_overflow(page)

    page.get_by_role("link", name=teacher.display_name).first.click()
    expect(page.get_by_role("heading", level=1, name=teacher.display_name)).to_be_visible()
    expect(page.locator(".course-card")).to_have_count(4)
    _no_overflow(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_axe_finds_no_violation_on_the_instructor_page(page, teacher, viewport):
    page.set_viewport_size(viewport)
    page.goto(reverse("courses:instructor", args=[teacher.slug]))
    expect(page.get_by_role("main")).to_be_visible()

    results = Axe().run(page, options=AXE_OPTIONS)

    assert results.violations_count == 0, results.generate_report()


def test_axe_finds_no_violation_on_the_profile_form_with_its_errors(page, log_in, teacher):
    log_in(teacher)
    page.set_viewport_size(PHONE)
    page.goto(reverse("teaching:profile"))
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": b"not a picture"}]
    )
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("This file is not a picture we can read")).to_be_visible()
    _no_overflow(page)

    results = Axe().run(page, options=AXE_OPTIONS)

    assert results.violations_count == 0, results.generate_report()
