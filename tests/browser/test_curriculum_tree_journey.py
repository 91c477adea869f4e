"""An instructor reorders a course in its curriculum tree in the admin (issue 14):
a lesson dragged into another module stays there after a reload; the keyboard
buttons move it too; the course and lesson pages do not scroll sideways at
1280 px; axe finds nothing on the page."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from courses.models import Course, Lesson
from tests.browser.layout import settled_widths
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.factories import course_with_curriculum

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ADMIN_AXE_OPTIONS = {**AXE_OPTIONS, "preload": False}


@pytest.fixture
def course(instructor) -> Course:
    return course_with_curriculum(
        modules=2, lessons_per_module=3, instructor=instructor, title="Tree course", slug="tree-course"
    )


def lesson_titles(page, module_title: str) -> list[str]:
    module = page.locator(".curriculum-module", has=page.get_by_role("link", name=module_title, exact=True))
    return [
        title.strip() for title in module.locator(".curriculum-lesson > a.curriculum-title").all_inner_texts()
    ]


def db_titles(course, module_title: str) -> list[str]:
    return list(
        Lesson.objects.filter(module__course=course, module__title=module_title)
        .order_by("order")
        .values_list("title", flat=True)
    )


def drag(page, handle, target) -> None:
    """Drag `handle` onto the upper half of `target`, as a hand would: SortableJS
    needs the pointer to travel and settle."""
    start = handle.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 5, steps=5)
    box = target.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.3, steps=20)
    page.wait_for_timeout(300)
    box = target.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.3, steps=5)
    page.wait_for_timeout(300)
    page.mouse.up()


def test_instructor_drags_a_lesson_to_another_module_and_the_order_persists(page, log_in, instructor, course):
    log_in(instructor)
    page.set_viewport_size(DESKTOP)
    page.goto(f"/admin/courses/course/{course.pk}/change/")
    tree = page.get_by_role("region", name="Curriculum")
    expect(tree).to_be_visible()
    scroll_width, inner_width = settled_widths(page)
    assert scroll_width <= inner_width, f"the course page scrolls sideways: {scroll_width} > {inner_width}"

    # Pointer events reach only what is on screen: a tall window holds the whole tree, so
    # the drag does not depend on SortableJS scrolling the page under the pointer.
    page.set_viewport_size({"width": 1280, "height": 2400})
    moving = page.locator(".curriculum-lesson", has_text="Lesson 1.1")
    target = page.locator(".curriculum-lesson", has_text="Lesson 2.2")
    drag(page, moving.locator(".curriculum-lesson-handle"), target)

    expect(page.locator("#curriculum-status")).to_contain_text("Moved the lesson “Lesson 1.1” to “Module 2”")
    assert lesson_titles(page, "Module 2") == ["Lesson 2.1", "Lesson 1.1", "Lesson 2.2", "Lesson 2.3"]
    assert db_titles(course, "Module 1") == ["Lesson 1.2", "Lesson 1.3"]
    assert db_titles(course, "Module 2") == ["Lesson 2.1", "Lesson 1.1", "Lesson 2.2", "Lesson 2.3"]

    page.reload()
    assert lesson_titles(page, "Module 1") == ["Lesson 1.2", "Lesson 1.3"]
    assert lesson_titles(page, "Module 2") == ["Lesson 2.1", "Lesson 1.1", "Lesson 2.2", "Lesson 2.3"]

    # By keyboard: a lesson's "down" button, then focus stays on the moved lesson's button.
    down = page.get_by_role("button", name="Move lesson “Lesson 1.2” down")
    down.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#curriculum-status")).to_contain_text("Moved the lesson “Lesson 1.2”")
    assert lesson_titles(page, "Module 1") == ["Lesson 1.3", "Lesson 1.2"]
    expect(page.get_by_role("button", name="Move lesson “Lesson 1.2” up")).to_be_focused()
    # A module moves up the same way.
    page.get_by_role("button", name="Move module “Module 2” up").click()
    expect(page.locator("#curriculum-status")).to_contain_text("Moved the module “Module 2” to position 1.")
    assert list(course.modules.values_list("title", flat=True)) == ["Module 2", "Module 1"]

    # The whole page but Django's own filter_horizontal tooltips (an aria-label on a bare span:
    # aria-prohibited-attr, in django/contrib/admin/static/admin/js/SelectFilter2.js). No CSSOM
    # preload: axe would copy the admin's stylesheets into inline <style> elements, which the
    # Content-Security-Policy blocks (a violation of the tool's, not the page's).
    results = Axe().run(page, context={"exclude": [[".help-tooltip"]]}, options=ADMIN_AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


def test_the_lesson_page_fits_1280_and_shows_its_kinds_fields(page, log_in, instructor, course):
    log_in(instructor)
    page.set_viewport_size(DESKTOP)
    lesson = Lesson.objects.filter(module__course=course).first()
    page.goto(f"/admin/courses/lesson/{lesson.pk}/change/")
    expect(page.locator("#id_duration")).to_have_value("1")
    expect(page.locator("#id_video_url")).to_have_count(0)  # a text lesson
    scroll_width, inner_width = settled_widths(page)
    assert scroll_width <= inner_width, f"the lesson page scrolls sideways: {scroll_width} > {inner_width}"

    # The add page shows only the chosen kind's fields.
    page.goto("/admin/courses/lesson/add/")
    page.locator("#id_kind").select_option("text")
    expect(page.locator("#id_video_url")).to_be_hidden()
    page.locator("#id_kind").select_option("video")
    expect(page.locator("#id_video_url")).to_be_visible()
    scroll_width, inner_width = settled_widths(page)
    assert scroll_width <= inner_width


def test_on_a_phone_a_lesson_moves_with_the_move_to_module_select(page, log_in, instructor, course):
    log_in(instructor)
    page.set_viewport_size(PHONE)
    page.goto(f"/admin/courses/course/{course.pk}/change/#curriculum")
    tree = page.locator("#curriculum")
    tree_width, tree_box = tree.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert tree_width <= tree_box, "the tree itself scrolls sideways on a phone"
    page.get_by_label("Move lesson “Lesson 2.3” to the end of module").select_option(label="Module 1")
    page.get_by_role("button", name=re.compile("^Move lesson “Lesson 2.3”$")).click()
    expect(page.locator("#curriculum-status")).to_contain_text("Moved the lesson “Lesson 2.3” to “Module 1”")
    page.reload()
    assert lesson_titles(page, "Module 1")[-1] == "Lesson 2.3"
