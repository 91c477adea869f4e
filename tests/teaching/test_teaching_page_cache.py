"""The teaching pages kept whole for their viewer (teaching/views/common.py,
teaching/page_versions.py): a dashboard, analytics or students page seen
before is served from the logged-in page cache to that session only, for at
most a minute; what the instructor acts on (questions, submissions, reviews,
their courses) and whatever they do themselves show at once; what students
do otherwise (their progress) shows within the minute, as the page says."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from community.discussions.services import question_post
from courses.models import Course
from courses.services.authoring import course_save
from learning.services.progress import lesson_complete
from lms.user_page_cache import PRIVATE_TIMEOUT
from teaching.selectors.counted import COUNTS_CACHE_SECONDS
from tests.factories import EnrollmentFactory, InstructorFactory, LessonFactory, UserFactory
from tests.learning.factories import SubmissionFactory
from tests.own_pages import without_tokens

DASHBOARD = "/teach/"


@pytest.fixture
def student(taught):
    return EnrollmentFactory(
        course=taught.course, user=UserFactory(first_name="Zenobia", last_name="Quillfeather")
    ).user


def _students_page(taught) -> str:
    return reverse("teaching:students", args=[taught.course.slug])


def _progress_shown(client, taught) -> str:
    """The progress column of the (only) student on the students page."""
    html = client.get(_students_page(taught)).content.decode()
    return re.search(r"(\d+)%", html.split("Zenobia Quillfeather", 1)[1]).group(1)


def test_a_teaching_page_seen_before_is_served_whole_to_its_viewer_with_no_more_than_the_session_read(
    client, django_assert_max_num_queries, instructor, taught, student
):
    client.force_login(instructor)
    for url in (DASHBOARD, reverse("teaching:analytics", args=[taught.course.slug]), _students_page(taught)):
        first = client.get(url)
        assert first.context is not None  # drawn
        with django_assert_max_num_queries(1):  # the session, when it is not in Redis
            again = client.get(url)
        assert again.context is None and without_tokens(again.content) == without_tokens(first.content)
        assert "private" in again["Cache-Control"]
        moment = timezone.localtime()
        assert f"{moment:%H:%M}</time>: what students do shows here within a minute" in again.content.decode()


def test_another_viewer_never_gets_the_instructors_page(client, instructor, superuser, taught, student):
    other = InstructorFactory(first_name="Hypatia")
    client.force_login(instructor)
    assert "Postgres at Scale" in client.get(DASHBOARD).content.decode()

    client.force_login(other)
    assert "Postgres at Scale" not in client.get(DASHBOARD).content.decode()
    assert client.get(_students_page(taught)).status_code == 404  # not theirs, cached or not
    client.force_login(superuser)
    response = client.get(DASHBOARD)
    assert response.context is not None  # their own page, drawn for them
    assert 'name="instructor"' in response.content.decode()  # the superuser's own filter


def test_students_progress_shows_within_the_minute_and_the_page_is_kept_no_longer(
    client, instructor, taught, student, a_minute_later
):
    client.force_login(instructor)
    assert _progress_shown(client, taught) == "0"
    lesson_complete(user=student, lesson=taught.lessons[0])

    assert _progress_shown(client, taught) == "0"  # kept whole, as drawn a moment ago
    a_minute_later()
    assert _progress_shown(client, taught) == "25"  # one lesson of four


def test_what_the_instructor_does_themselves_shows_at_once(client, instructor, taught, student):
    client.force_login(instructor)
    assert _progress_shown(client, taught) == "0"
    lesson_complete(user=student, lesson=taught.lessons[0])  # a student's write: not on the page yet

    # Any form the instructor sends renews their pages, even one refused that wrote nothing.
    photo = SimpleUploadedFile("me.png", b"not a picture", content_type="image/png")
    refused = client.post(reverse("teaching:profile"), {"first_name": "Ada", "photo": photo})
    assert refused.status_code == 200 and refused.context["form"].errors["photo"]
    assert _progress_shown(client, taught) == "25"


def test_what_waits_for_the_instructor_shows_at_once_whoever_writes_it(client, instructor, taught, student):
    client.force_login(instructor)
    html = client.get(DASHBOARD).content.decode()
    assert "Why is my plan slow?" not in html and "Write a plan" not in html

    lesson = taught.lessons[0]
    question_post(author=student, lesson=lesson, title="Why is my plan slow?", body="B", token=uuid.uuid4())
    html = client.get(DASHBOARD).content.decode()
    assert "Why is my plan slow?" in html

    assignment = LessonFactory(module=taught.lessons[0].module, kind="assignment", title="Write a plan")
    SubmissionFactory(user=student, lesson=assignment)
    assert "Write a plan" in client.get(DASHBOARD).content.decode()


def test_a_course_given_to_someone_else_leaves_the_old_instructors_pages_at_once(
    client, instructor, superuser, taught
):
    client.force_login(instructor)
    analytics = reverse("teaching:analytics", args=[taught.course.slug])
    assert "Postgres at Scale" in client.get(DASHBOARD).content.decode()
    assert client.get(analytics).status_code == 200

    course = Course.objects.get(pk=taught.course.pk)  # as the admin loads it
    course.instructor = InstructorFactory()
    course_save(course=course, author=superuser)

    assert "Postgres at Scale" not in client.get(DASHBOARD).content.decode()
    assert client.get(analytics).status_code == 404


def test_someone_who_no_longer_teaches_gets_the_404_at_once(client, instructor, superuser, taught):
    client.force_login(instructor)
    assert client.get(DASHBOARD).status_code == 200
    instructor.is_instructor = False
    instructor.save()
    taught.course.instructor = InstructorFactory()
    course_save(course=taught.course, author=superuser)
    assert client.get(DASHBOARD).status_code == 404


def test_a_teaching_page_is_kept_at_most_a_minute(client, instructor, taught, monkeypatch):
    from lms import page_cache

    stored, store = [], page_cache.page_store

    def counted_store(key, entry, timeout):
        stored.append(timeout)
        store(key, entry, timeout)

    monkeypatch.setattr(page_cache, "page_store", counted_store)
    client.force_login(instructor)
    client.get(DASHBOARD)
    assert stored and 0 < stored[0] <= COUNTS_CACHE_SECONDS < PRIVATE_TIMEOUT
