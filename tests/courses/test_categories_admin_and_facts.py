"""Categories in the admin (staff keep the list, instructors pick from it) and
the facts a course page states: level, language, last updated (issue 14)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Category, Course, Lesson, Module
from tests.factories import CourseFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def web():
    return Category.objects.create(name="Web development", slug="web-development")


def test_staff_add_categories_in_the_admin(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:courses_category_add"), {"name": "Design", "slug": "design", "order": "3"}
    )
    assert response.status_code == 302
    assert Category.objects.get(slug="design").name == "Design"


def test_instructors_may_not_add_or_change_categories(client, instructor, web):
    client.force_login(instructor)
    assert client.get(reverse("admin:courses_category_add")).status_code == 403
    response = client.post(
        reverse("admin:courses_category_change", args=[web.pk]),
        {"name": "Hijacked", "slug": "x", "order": "0"},
    )
    assert response.status_code == 403
    web.refresh_from_db()
    assert web.name == "Web development"


def test_instructors_pick_categories_on_their_course_form(client, instructor, web):
    data = Category.objects.create(name="Data science", slug="data-science")
    course = CourseFactory(instructor=instructor, title="Mine", slug="mine")
    client.force_login(instructor)

    page = client.get(reverse("admin:courses_course_change", args=[course.pk])).content.decode()

    assert 'name="categories"' in page
    assert "Web development" in page
    assert "selectfilter" in page  # filter_horizontal: choose several without holding Ctrl
    assert "add_id_categories" not in page  # no "+" to add a category: staff keep the list
    response = client.post(
        reverse("admin:courses_course_change", args=[course.pk]),
        {
            "title": "Mine",
            "slug": "mine",
            "subtitle": "",
            "description": "",
            "categories": [str(web.pk), str(data.pk)],
            "level": "intermediate",
            "language": "fr",
            "price": "0",
            "currency": "usd",
            "thumbnail_url": "",
            # Published needs lessons and a description (tests/courses/test_admin_authoring.py).
            "status": "draft",
            "modules-TOTAL_FORMS": "0",
            "modules-INITIAL_FORMS": "0",
            "modules-MIN_NUM_FORMS": "0",
            "modules-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    course.refresh_from_db()
    assert set(course.categories.values_list("slug", flat=True)) == {"web-development", "data-science"}
    assert (course.level, course.language) == ("intermediate", "fr")


def test_course_page_states_level_language_and_last_update(client):
    course = CourseFactory(level=Course.Level.ADVANCED, language="de")
    lesson = LessonFactory(module=ModuleFactory(course=course), duration=6 * 3600 + 42 * 60)
    updated = timezone.make_aware(datetime.datetime(2026, 3, 14, 12, 0))
    Lesson.objects.filter(pk=lesson.pk).update(updated_at=updated)
    Module.objects.filter(course=course).update(updated_at=updated - datetime.timedelta(days=1))
    Course.objects.filter(pk=course.pk).update(updated_at=updated - datetime.timedelta(days=60))

    html = client.get(course.get_absolute_url()).content.decode()

    assert "Level: Advanced" in html
    assert "Language: German" in html
    assert 'Last updated <time datetime="2026-03-14">March 2026</time>' in html
    assert "6 h 42 min" in html  # the total, in words
    assert "6:42:00" not in html


def test_a_new_course_is_for_all_levels_in_english(client):
    course = CourseFactory()
    html = client.get(course.get_absolute_url()).content.decode()
    assert "Level: All levels" in html
    assert "Language: English" in html
    assert "Last updated" in html  # no lessons yet: the course's own date


def test_lesson_lengths_read_in_words_on_the_course_and_lesson_pages(client):
    course = CourseFactory()
    module = ModuleFactory(course=course)
    LessonFactory(module=module, duration=12 * 60, title="Twelve minutes")
    preview = LessonFactory(module=module, duration=45, title="Short preview", is_preview=True)

    course_page = client.get(course.get_absolute_url()).content.decode()
    assert "12 min" in course_page
    assert "45 s" in course_page
    assert "12:00" not in course_page and "0:45" not in course_page
    lesson_page = client.get(preview.get_absolute_url()).content.decode()
    assert "45 s" in lesson_page
