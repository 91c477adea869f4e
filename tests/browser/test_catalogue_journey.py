"""Finding a course, end to end in Chromium at 1280 and 390 px (issue 14): an
anonymous visitor narrows the catalogue to a category and to free courses, sees
how many match (the filters stay in the address), and opens one; a filter that
matches nothing says so and offers to clear the filters."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from courses.models import Category
from tests.factories import CourseFactory, InstructorFactory, LessonFactory, ModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def catalogue(db):
    web = Category.objects.create(name="Web development", slug="web-development", order=0)
    data = Category.objects.create(name="Data science", slug="data-science", order=1)
    maya = InstructorFactory(first_name="Maya", last_name="Okafor")
    free_web = CourseFactory(
        title="HTML from scratch", slug="html-from-scratch", price=0, instructor=maya, level="beginner"
    )
    free_web.categories.set([web])
    LessonFactory(module=ModuleFactory(course=free_web), duration=42 * 60, title="Elements")
    paid_web = CourseFactory(title="Django at scale", slug="django-at-scale", price=Decimal("49"))
    paid_web.categories.set([web])
    free_data = CourseFactory(title="Pandas basics", slug="pandas-basics", price=0)
    free_data.categories.set([data])
    return free_web


@pytest.mark.parametrize("size", SIZES)
def test_a_visitor_filters_by_category_and_free_and_opens_a_course(page, catalogue, size):
    page.set_viewport_size(SIZES[size])
    page.goto("/")
    expect(page.get_by_role("status")).to_have_text("3 courses")
    # One search box on the page: the catalogue's own.
    expect(page.get_by_role("searchbox")).to_have_count(1)

    if size == "phone":  # the filters are folded so the courses come first
        expect(page.get_by_label("Category")).to_be_hidden()
        page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Category").select_option(label="Web development")
    page.get_by_label("Price", exact=True).select_option(label="Free")
    page.get_by_role("button", name="Show courses").click()

    expect(page.get_by_role("heading", name="Web development courses", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("1 course")
    assert "category=web-development" in page.url and "price=free" in page.url
    cards = page.get_by_role("article")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("42 min")
    expect(page.get_by_text("Filters (2 applied)")).to_be_visible()
    expect(page.get_by_label("Category")).to_have_value("web-development")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]

    page.get_by_role("link", name="HTML from scratch").click()
    expect(page.get_by_role("heading", name="HTML from scratch", level=1)).to_be_visible()
    expect(page.get_by_text("Level: Beginner")).to_be_visible()
    expect(page.get_by_text("Language: English")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_nothing_matches_and_the_visitor_clears_the_filters(page, catalogue, size):
    page.set_viewport_size(SIZES[size])
    page.goto("/courses/?category=data-science&price=paid")

    expect(page.get_by_role("status")).to_have_text("0 courses")
    expect(page.get_by_role("heading", name="No course matches with these filters")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()

    expect(page.get_by_role("status")).to_have_text("3 courses")
    expect(page.get_by_role("article")).to_have_count(3)
