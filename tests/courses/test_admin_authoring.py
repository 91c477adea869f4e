"""Authoring in the admin (issue 14): lengths typed in minutes, a lesson's form
with its kind's fields, the checks before a course is published, and the
admin's own "permission denied" page."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses.admin.forms import MinutesDurationField, format_minutes
from courses.models import Course, Lesson
from courses.services import course_save
from tests.courses.test_admin import form_data
from tests.factories import CourseFactory, LessonFactory, ModuleFactory, course_with_curriculum
from tests.learning.factories import QuizFactory

pytestmark = pytest.mark.django_db


def lesson_url(lesson) -> str:
    return reverse("admin:courses_lesson_change", args=[lesson.pk])


def course_url(course) -> str:
    return reverse("admin:courses_course_change", args=[course.pk])


# --- minutes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("12", 720),
        (" 7.5 ", 450),
        ("7,5", 450),
        ("1:30", 5400),
        ("0:05", 300),
        ("", 0),
        ("0", 0),
        ("1440", 86400),
    ],
)
def test_minutes_are_read_as_seconds(typed, seconds):
    assert MinutesDurationField().clean(typed) == seconds


@pytest.mark.parametrize(
    "typed", ["abc", "-5", "1:75", "1:5", "12 min", "1e3", "1441", "25:00", "3.333", "١٢"]
)
def test_anything_else_is_a_form_error(typed):
    with pytest.raises(ValidationError):
        MinutesDurationField().clean(typed)


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0"), (720, "12"), (5400, "1:30"), (3600, "1:00"), (45, "0.75"), (100, "1.67")]
)
def test_seconds_are_shown_as_minutes_and_read_back_the_same(seconds, shown):
    assert format_minutes(seconds) == shown
    assert MinutesDurationField().clean(shown) == seconds


def test_the_lesson_form_shows_and_saves_minutes(client, instructor):
    lesson = LessonFactory(module=ModuleFactory(course=CourseFactory(instructor=instructor)), duration=754)
    client.force_login(instructor)
    data = form_data(client.get(lesson_url(lesson)))
    assert data["duration"] == "12.57"
    data["duration"] = "1:05"
    assert client.post(lesson_url(lesson), data).status_code == 302
    lesson.refresh_from_db()
    assert lesson.duration == 3900

    data["duration"] = "an hour"
    response = client.post(lesson_url(lesson), data)
    assert response.status_code == 200
    assert "Enter minutes (12, or 7.5) or hours and minutes (1:30)." in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.duration == 3900


def test_the_module_page_lists_lessons_compactly_in_minutes(client, instructor):
    course = course_with_curriculum(modules=1, lessons_per_module=2, instructor=instructor)
    module = course.modules.get()
    client.force_login(instructor)
    data = form_data(client.get(reverse("admin:courses_module_change", args=[module.pk])))
    assert [data["lessons-0-duration"], data["lessons-1-duration"]] == ["1", "2"]
    assert "lessons-0-content" not in data  # each lesson's content is on its own page
    data["lessons-1-duration"] = "2:00"
    assert client.post(reverse("admin:courses_module_change", args=[module.pk]), data).status_code == 302
    assert list(module.lessons.values_list("duration", flat=True)) == [60, 7200]


def test_lists_show_durations_in_words(client, instructor):
    LessonFactory(module=ModuleFactory(course=CourseFactory(instructor=instructor)), duration=24_120)
    client.force_login(instructor)
    assert "6 h 42 min" in client.get(reverse("admin:courses_lesson_changelist")).content.decode()


# --- a lesson's fields by kind -----------------------------------------------------------------


def _fields(response) -> set[str]:
    return set(response.context["adminform"].form.fields)


def test_a_video_lesson_shows_its_video_fields(client, instructor):
    lesson = LessonFactory(module=ModuleFactory(course=CourseFactory(instructor=instructor)), kind="video")
    client.force_login(instructor)
    response = client.get(lesson_url(lesson))
    assert {"video_url", "video_id", "content"} <= _fields(response)
    assert "Notes under the video" in response.content.decode()
    assert "Write the quiz" not in response.content.decode()


def test_a_text_lesson_shows_no_video_fields(client, instructor):
    lesson = LessonFactory(module=ModuleFactory(course=CourseFactory(instructor=instructor)), kind="text")
    client.force_login(instructor)
    response = client.get(lesson_url(lesson))
    assert "content" in _fields(response)
    assert not {"video_url", "video_id"} & _fields(response)
    assert 'name="video_url"' not in response.content.decode()
    # Saving it keeps what the form did not show.
    Lesson.objects.filter(pk=lesson.pk).update(video_id="")
    data = form_data(response)
    data["title"] = "Renamed"
    assert client.post(lesson_url(lesson), data).status_code == 302
    lesson.refresh_from_db()
    assert (lesson.title, lesson.content) == ("Renamed", "Lesson body")


def test_a_video_left_on_a_text_lesson_stays_editable(client, instructor):
    lesson = LessonFactory(
        module=ModuleFactory(course=CourseFactory(instructor=instructor)), kind="text", video_id="dQw4w9WgXcQ"
    )
    client.force_login(instructor)
    response = client.get(lesson_url(lesson))
    assert {"video_url", "video_id"} <= _fields(response)
    assert "Students see this video above the lesson" in response.content.decode()


def test_a_quiz_lesson_links_to_its_quiz(client, instructor):
    module = ModuleFactory(course=CourseFactory(instructor=instructor))
    without = LessonFactory(module=module, kind="quiz")
    client.force_login(instructor)
    html = client.get(lesson_url(without)).content.decode()
    assert f"{reverse('admin:courses_quiz_add')}?lesson={without.pk}" in html
    assert "Write the quiz" in html and 'name="video_url"' not in html

    quiz = QuizFactory(lesson=LessonFactory(module=module, kind="quiz"))
    html = client.get(lesson_url(quiz.lesson)).content.decode()
    assert reverse("admin:courses_quiz_change", args=[quiz.pk]) in html


def test_an_assignment_lesson_explains_its_content(client, instructor):
    lesson = LessonFactory(
        module=ModuleFactory(course=CourseFactory(instructor=instructor)), kind="assignment"
    )
    client.force_login(instructor)
    response = client.get(lesson_url(lesson))
    assert "What students do and hand in" in response.content.decode()
    assert not {"video_url", "video_id"} & _fields(response)


def test_the_add_page_marks_each_kinds_fields_for_the_toggle(client, instructor):
    module = ModuleFactory(course=CourseFactory(instructor=instructor))
    client.force_login(instructor)
    html = client.get(reverse("admin:courses_lesson_add") + f"?module={module.pk}").content.decode()
    assert 'class="module aligned kind-fields for-kind-video"' in html
    assert 'class="module aligned kind-fields for-kind-quiz"' in html
    assert "js/lesson-kind-fields.js" in html and "<script>" not in html
    assert f'<option value="{module.pk}" selected>' in html  # "Add a lesson" from the tree


def test_saving_a_lesson_goes_back_to_the_course_curriculum(client, instructor):
    module = ModuleFactory(course=CourseFactory(instructor=instructor))
    client.force_login(instructor)
    data = form_data(client.get(reverse("admin:courses_lesson_add")))
    data.update({"module": str(module.pk), "title": "New", "kind": "text", "duration": "12", "content": "x"})
    response = client.post(reverse("admin:courses_lesson_add"), data)
    assert response.status_code == 302
    assert response.url == course_url(module.course) + "#curriculum"
    assert module.lessons.get().duration == 720


# --- publishing checks -----------------------------------------------------------------------


def _publish(client, course, **changes):
    data = form_data(client.get(course_url(course)))
    data.update({"status": "published", **changes})
    return client.post(course_url(course), data)


def _status_errors(response) -> list[str]:
    return list(response.context["adminform"].form.errors.get("status", []))


def test_a_course_without_lessons_cannot_be_published(client, instructor):
    course = CourseFactory(instructor=instructor, status=Course.Status.DRAFT)
    ModuleFactory(course=course)
    client.force_login(instructor)
    response = _publish(client, course)
    assert response.status_code == 200
    assert _status_errors(response) == [
        "A course needs at least one lesson to be published: save it as a draft, add its modules and "
        "lessons, then publish it."
    ]
    assert "A course needs at least one lesson" in response.content.decode()
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT


def test_archived_lessons_do_not_count(client, instructor):
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor, status="draft")
    Lesson.objects.filter(module__course=course).update(archived_at="2026-01-01T00:00Z")
    client.force_login(instructor)
    assert "at least one lesson" in _status_errors(_publish(client, course))[0]


def test_a_course_without_description_cannot_be_published(client, instructor):
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor, status="draft")
    client.force_login(instructor)
    response = _publish(client, course, description="   ")
    assert _status_errors(response) == [
        "A course needs a description to be published: say what students will learn."
    ]
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT


def test_a_price_over_the_maximum_cannot_be_published(client, instructor, settings):
    settings.COURSE_PRICE_MAX = 500
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor, status="draft")
    client.force_login(instructor)
    response = _publish(client, course, price="4900.00")
    assert _status_errors(response) == [
        "The price is over the most a course may cost ($500.00): check it for a typo."
    ]
    assert _publish(client, course, price="500.00").status_code == 302
    course.refresh_from_db()
    assert (course.status, course.price) == (Course.Status.PUBLISHED, Decimal("500.00"))


def test_currencies_with_a_small_unit_have_their_own_maximum(client, instructor):
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor, status="draft")
    client.force_login(instructor)
    assert _publish(client, course, price="2500", currency="jpy").status_code == 302
    assert "¥150,000" in _status_errors(_publish(client, course, price="150001", currency="jpy"))[0]


def test_every_reason_is_given_at_once_and_a_draft_saves_anyway(client, instructor):
    course = CourseFactory(instructor=instructor, status=Course.Status.DRAFT, description="")
    client.force_login(instructor)
    assert len(_status_errors(_publish(client, course, price="99999"))) == 3
    data = form_data(client.get(course_url(course)))
    data.update({"status": "draft", "price": "99999"})
    assert client.post(course_url(course), data).status_code == 302


def test_a_new_course_cannot_be_published_at_once(client, instructor):
    client.force_login(instructor)
    data = form_data(client.get(reverse("admin:courses_course_add")))
    data.update({"title": "New", "slug": "new", "description": "Good.", "price": "0", "currency": "usd"})
    data["status"] = "published"
    response = client.post(reverse("admin:courses_course_add"), data)
    assert response.status_code == 200
    assert "at least one lesson" in _status_errors(response)[0]
    assert not Course.objects.filter(slug="new").exists()


def test_course_save_applies_the_same_rule(instructor):
    course = CourseFactory(instructor=instructor, status=Course.Status.DRAFT)
    course.status = Course.Status.PUBLISHED
    with pytest.raises(ValidationError) as refusal:
        course_save(course=course, author=instructor)
    assert "at least one lesson" in refusal.value.message_dict["status"][0]
    assert Course.objects.get(pk=course.pk).status == Course.Status.DRAFT


# --- the admin's own 403 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/admin/courses/category/add/", "/admin/auth/group/", "/admin/courses/category/1/delete/"]
)
def test_an_instructors_403_in_the_admin_is_the_admins_page(client, instructor, url):
    client.force_login(instructor)
    response = client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not open this page" in html
    assert 'id="site-name"' in html and "Doctrina authoring" in html  # the admin's header
    assert f'href="{reverse("admin:index")}"' in html  # and a way back
    assert "Browse courses" not in html  # not the student site's 403 page


def test_the_student_sites_403_is_unchanged(client, student):
    from lms.views import permission_denied

    client.force_login(student)
    request = client.get("/").wsgi_request
    html = permission_denied(request).content.decode()
    assert "Browse courses" in html


def test_a_refusal_under_the_admin_outside_its_views_is_the_admins_page_for_staff(rf, instructor, student):
    from lms.views import permission_denied

    request = rf.get("/admin/anything/")
    request.user = instructor
    html = permission_denied(request).content.decode()
    assert "You may not open this page" in html and "Browse courses" not in html
    request.user = student  # not staff: the site's page
    assert "Browse courses" in permission_denied(request).content.decode()
