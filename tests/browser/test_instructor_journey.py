"""An instructor authors a course in the Django admin, end to end in Chromium
(issue 2): the course with its modules, a module's lessons, publishing, what a
visitor then sees, and what another instructor does not; then drag and drop
(the course's curriculum tree, and sortable2's handles on a module's page),
which must leave a dense order behind."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from courses.models import Course, Lesson
from tests.factories import PASSWORD, CourseFactory, LessonFactory, ModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YOUTUBE_ID = "dQw4w9WgXcQ"
MARKDOWN = """## Why we test

A test that would pass with the feature removed is **not a test**.

- arrange
- act
- assert
"""


def admin_log_in(page, user) -> None:
    """Through the admin's own login form, as an instructor would."""
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Courses and students", level=1)).to_be_visible()


def admin_log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Logged out")).to_be_visible()


def drag(page, handle, *, over) -> None:
    """Drag `handle` over each of the rows in `over`, in order, and drop it
    there, as a hand would. SortableJS moves the dragged row in front of a row
    the pointer passes and animates the move (150 ms), so the pointer settles
    on each row before going on. Every row must be on screen: pointer events
    do not reach what lies outside the viewport."""
    start = handle.bounding_box()
    x, y = start["x"] + 10, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 5, steps=5)
    for row in over:
        box = row.bounding_box()  # where the row is now, after the last move
        page.mouse.move(x, box["y"] + box["height"] / 2, steps=10)
        page.wait_for_timeout(250)
    page.mouse.up()


def test_instructor_builds_a_course_in_the_admin_and_a_visitor_sees_it(page, instructor, other_instructor):
    CourseFactory(title="Someone else's course", slug="someone-else", instructor=other_instructor)
    admin_log_in(page, instructor)

    # The course, with two modules inline.
    page.get_by_role("rowheader", name="Courses").get_by_role("link").click()
    page.get_by_role("link", name="Add course").click()
    # Typed key by key: the admin's prepopulate.js follows keyup, not fill()'s input event.
    page.locator("#id_title").press_sequentially("Testing Django, calmly")
    expect(page.locator("#id_slug")).to_have_value("testing-django-calmly")  # the admin's JS
    page.locator("#id_subtitle").fill("From unit tests to the browser")
    page.locator("#id_description").fill("Tests you can trust, from the first model to the browser.")
    page.locator("#id_price").fill("0")
    page.locator("#id_status").select_option("draft")
    add_module = page.get_by_role("button", name="Add another Module")
    add_module.click()
    add_module.click()
    page.locator("#id_modules-0-title").fill("Getting started")
    page.locator("#id_modules-1-title").fill("Going further")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    course = Course.objects.get(slug="testing-django-calmly")
    assert course.instructor == instructor
    assert course.status == Course.Status.DRAFT
    assert course.price == Decimal("0")
    assert [(m.title, m.order) for m in course.modules.all()] == [
        ("Getting started", 0),
        ("Going further", 1),
    ]

    # The first module's page, from the course's curriculum tree: two lessons in its compact table
    # (title, kind, minutes, preview); each lesson's content is on its own page.
    page.get_by_role("region", name="Curriculum").get_by_role(
        "link", name="Getting started", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Change module")).to_be_visible()
    add_lesson = page.get_by_role("button", name="Add another Lesson")
    add_lesson.click()
    add_lesson.click()
    page.locator("#id_lessons-0-title").fill("Why we test")
    page.locator("#id_lessons-0-kind").select_option("text")
    page.locator("#id_lessons-0-duration").fill("5")  # minutes
    page.locator("#id_lessons-0-is_preview").check()
    page.locator("#id_lessons-1-title").fill("Fixtures that scale")
    page.locator("#id_lessons-1-kind").select_option("video")
    page.locator("#id_lessons-1-duration").fill("12.57")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    # Each lesson's page shows the fields of its kind.
    module_page = page.url
    page.locator("#lessons-0").get_by_role("link", name="Change").click()
    page.locator("#id_content").fill(MARKDOWN)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto(module_page)
    page.locator("#lessons-1").get_by_role("link", name="Change").click()
    page.locator("#id_video_id").fill(YOUTUBE_ID)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    module = course.modules.get(title="Getting started")
    lessons = list(module.lessons.values_list("title", "kind", "is_preview", "video_id", "order"))
    assert lessons == [
        ("Why we test", Lesson.Kind.TEXT, True, "", 0),
        ("Fixtures that scale", Lesson.Kind.VIDEO, False, YOUTUBE_ID, 1),
    ]
    # The browser submits CRLF line ends; the form strips the trailing one.
    assert module.lessons.get(order=0).content.replace("\r\n", "\n") == MARKDOWN.strip()

    # Publish it.
    page.goto(f"/admin/courses/course/{course.pk}/change/")
    page.locator("#id_status").select_option("published")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    results = page.locator("#result_list")
    expect(results.get_by_role("link", name="Testing Django, calmly")).to_be_visible()
    expect(results.get_by_role("link", name="Someone else's course")).to_have_count(0)
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    admin_log_out(page)

    # A visitor finds it in the catalogue, its curriculum in order, and opens the preview.
    page.goto("/courses/")
    page.get_by_role("link", name="Testing Django, calmly").click()
    expect(page.get_by_role("heading", name="Testing Django, calmly", level=1)).to_be_visible()
    curriculum = page.get_by_role("region", name="Curriculum")
    expect(curriculum.locator(".curriculum-module h3 > span:first-child")).to_have_text(
        ["Getting started", "Going further"]
    )
    expect(curriculum.locator(".curriculum-lessons li")).to_have_text(
        [
            re.compile(r"^\s*Why we test\b.*\bText · 5 min\s*$", re.S),
            re.compile(r"^\s*Fixtures that scale\b.*\bVideo · 13 min\s*$", re.S),
        ]
    )
    curriculum.get_by_role("link", name="Preview “Why we test”").click()
    expect(page.get_by_role("heading", name="Why we test", level=1)).to_be_visible()
    prose = page.locator("article .prose")
    expect(prose.get_by_role("heading", name="Why we test", level=2)).to_be_visible()
    expect(prose.locator("strong")).to_have_text("not a test")
    expect(prose.get_by_role("listitem")).to_have_text(["arrange", "act", "assert"])
    expect(prose).not_to_contain_text("**")

    # Another instructor does not meet it in the admin, neither listed nor by its URL.
    admin_log_in(page, other_instructor)
    page.goto("/admin/courses/course/")
    results = page.locator("#result_list")
    expect(results.get_by_role("link", name="Someone else's course")).to_be_visible()
    expect(results.get_by_role("link", name="Testing Django, calmly")).to_have_count(0)
    page.goto(f"/admin/courses/course/{course.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text(f"Course with ID “{course.pk}” doesn’t exist.")
    expect(page.locator("#id_title")).to_have_count(0)
    expect(page.get_by_text("Testing Django, calmly")).to_have_count(0)


def test_instructor_reorders_modules_and_lessons_by_drag_and_drop(page, log_in, instructor):
    course = CourseFactory(title="Drag me", slug="drag-me", instructor=instructor)
    alpha, beta, gamma = (
        ModuleFactory(course=course, title=title, order=order)
        for order, title in enumerate(["Alpha", "Beta", "Gamma"])
    )
    one, two, three = (
        LessonFactory(module=alpha, title=title, order=order)
        for order, title in enumerate(["One", "Two", "Three"])
    )
    log_in(instructor)
    # A tall window keeps every row on screen, so the drag does not depend on
    # SortableJS scrolling the page under the pointer.
    page.set_viewport_size({"width": 1280, "height": 2400})

    # Modules: in the course's curriculum tree (issue 14), each saved as it is dropped.
    page.goto(f"/admin/courses/course/{course.pk}/change/")
    modules = page.locator(".curriculum-module")
    drag(
        page,
        modules.nth(2).locator(".curriculum-module-handle"),
        over=[
            modules.nth(1).locator(".curriculum-module-row"),
            modules.nth(0).locator(".curriculum-module-row"),
        ],
    )
    expect(page.locator("#curriculum-status")).to_contain_text("Moved the module “Gamma” to position 1.")
    expect(page.locator(".curriculum-module-row h3")).to_have_text(["Gamma", "Alpha", "Beta"])
    assert list(course.modules.values_list("pk", "order")) == [(gamma.pk, 0), (alpha.pk, 1), (beta.pk, 2)]

    # Lessons: also on the module's page, a table whose handle is each row's first cell.
    page.goto(f"/admin/courses/module/{alpha.pk}/change/")
    drag(
        page,
        page.locator("#lessons-2 td.original p"),
        over=[page.locator("#lessons-1"), page.locator("#lessons-0")],
    )
    expect(page.locator("#lessons-group tbody tr.has_original td.original p")).to_have_text(
        [re.compile(r"^\s*Three"), re.compile(r"^\s*One"), re.compile(r"^\s*Two")]
    )
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert list(alpha.lessons.values_list("pk", "order")) == [(three.pk, 0), (one.pk, 1), (two.pk, 2)]

    # A visitor's course page follows.
    page.context.clear_cookies()
    page.goto(course.get_absolute_url())
    expect(page.get_by_role("link", name="Log in to enroll")).to_be_visible()
    curriculum = page.get_by_role("region", name="Curriculum")
    expect(curriculum.locator(".curriculum-module h3 > span:first-child")).to_have_text(
        ["Gamma", "Alpha", "Beta"]
    )
    expect(curriculum.locator(".curriculum-module").nth(1).locator(".curriculum-lessons li")).to_have_text(
        [re.compile(r"^\s*Three\b"), re.compile(r"^\s*One\b"), re.compile(r"^\s*Two\b")]
    )
