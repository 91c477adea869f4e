"""The logged-in page cache (lms/user_page_cache.py): a student's course page,
lesson page, quiz attempt and My learning are served whole to that student's
session from the shared cache, with a working CSRF token of their own, and
never stale: whatever they or anyone else writes that the page shows is on it
at the next view. Each test runs with the locmem cache and with Redis."""

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from community.announcements.services import announcement_publish
from community.discussions.services import question_post
from community.services import review_save
from courses.models import Lesson
from enrollments.services import enrollment_revoke
from learning.services.progress import lesson_complete
from notifications.services import notify
from tests.factories import EnrollmentFactory, UserFactory, course_with_curriculum
from tests.lms.test_page_cache import shared_cache  # noqa: F401 - each test with locmem and with Redis
from tests.own_pages import without_tokens


@pytest.fixture
def course(db):
    return course_with_curriculum(
        modules=2, lessons_per_module=3, title="Own pages course", price=Decimal("0")
    )


@pytest.fixture
def student(course):
    return EnrollmentFactory(
        course=course, user=UserFactory(first_name="Xanthippe", last_name="Lovelace")
    ).user


def _lessons(course):
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))


def _pages(course):
    first = _lessons(course)[0]
    return [course.get_absolute_url(), first.get_absolute_url(), reverse("learning:dashboard")]


def _logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_a_students_page_seen_before_is_served_whole_with_no_more_than_the_session_read(
    course, student, django_assert_max_num_queries
):
    client = _logged_in(student)
    for url in _pages(course):
        first = client.get(url)
        assert first.status_code == 200
        # The session (database sessions in tests; Redis with cached_db in production).
        with django_assert_max_num_queries(1):
            again = client.get(url)
        assert again.status_code == 200
        assert without_tokens(again.content) == without_tokens(first.content)
        assert again["ETag"] == first["ETag"]
        assert "private" in again["Cache-Control"] and "public" not in again["Cache-Control"]


def test_a_form_on_a_cached_page_carries_a_working_token_of_the_visitors_own(course, student):
    client = _logged_in(student, enforce_csrf_checks=True)
    lesson = _lessons(course)[0]
    client.get(lesson.get_absolute_url())
    cached = client.get(lesson.get_absolute_url()).content.decode()
    assert "__doctrina-csrf-token__" not in cached
    action = reverse("learning:lesson_complete", args=[course.slug, lesson.pk])
    token = re.search(
        rf'action="{action}"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="(\w+)"', cached
    )
    assert token, "the page's mark-complete form"
    response = client.post(action, {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert "1 of 6 lessons" in client.get(course.get_absolute_url()).content.decode()


def test_one_students_page_never_reaches_another(course, student):
    other = EnrollmentFactory(
        course=course, user=UserFactory(first_name="Zenobia", last_name="Quillfeather")
    ).user
    lesson_complete(user=student, lesson=_lessons(course)[0])
    ada, grace = _logged_in(student), _logged_in(other)
    for url in _pages(course):
        ada.get(url)
        mine = ada.get(url).content.decode()
        theirs = grace.get(url).content.decode()
        assert "Zenobia" not in mine and "Quillfeather" not in mine
        assert "Xanthippe" not in theirs and "Lovelace" not in theirs
    assert "1 of 6 lessons" in ada.get(course.get_absolute_url()).content.decode()
    assert "0 of 6 lessons" in grace.get(course.get_absolute_url()).content.decode()


def test_the_students_own_progress_shows_at_once(course, student):
    client = _logged_in(student)
    url = course.get_absolute_url()
    dashboard = reverse("learning:dashboard")
    assert "0 of 6 lessons" in client.get(url).content.decode()
    assert "0% complete" in client.get(dashboard).content.decode()
    client.get(url)
    client.get(dashboard)
    lesson_complete(user=student, lesson=_lessons(course)[0])
    assert "1 of 6 lessons" in client.get(url).content.decode()
    assert re.search(r"\b1[67]% complete", client.get(dashboard).content.decode())


def test_a_notification_shows_in_the_badge_at_once(course, student):
    client = _logged_in(student)
    url = course.get_absolute_url()
    client.get(url)
    assert 'data-testid="unread-count"' not in client.get(url).content.decode()
    notify(users=[student], kind="reply", title="Someone answered", url="/")
    assert 'aria-label="1 unread"' in client.get(url).content.decode()


def test_what_others_write_shows_at_once(course, student):
    """An announcement, another student's question and review: written by
    someone else, on the student's pages at their next view."""
    client = _logged_in(student)
    lesson = _lessons(course)[0]
    for url in (course.get_absolute_url(), lesson.get_absolute_url()):
        client.get(url)
        client.get(url)
    announcement_publish(
        course=course, author=course.instructor, title="Office hours moved", body="To Friday."
    )
    assert "Office hours moved" in client.get(course.get_absolute_url()).content.decode()

    classmate = EnrollmentFactory(course=course).user
    question_post(
        author=classmate, lesson=lesson, title="Why tabs over spaces?", body="Asking.", token=uuid.uuid4()
    )
    assert "Why tabs over spaces?" in client.get(lesson.get_absolute_url()).content.decode()

    for done in _lessons(course):
        lesson_complete(user=classmate, lesson=done)
    review_save(user=classmate, course=course, rating=5, body="Best course on indentation.")
    assert "Best course on indentation." in client.get(course.get_absolute_url()).content.decode()


def test_losing_access_shows_at_once(course, student):
    client = _logged_in(student)
    lesson = _lessons(course)[1]
    client.get(lesson.get_absolute_url())
    assert client.get(lesson.get_absolute_url()).status_code == 200
    enrollment_revoke(enrollment=student.enrollments.get(course=course))
    assert client.get(lesson.get_absolute_url()).status_code == 403


def test_a_password_change_or_a_deactivated_account_is_never_served_a_cached_page(course, student):
    url = course.get_absolute_url()
    elsewhere = _logged_in(student)
    elsewhere.get(url)
    assert "Log out" in elsewhere.get(url).content.decode()
    student.set_password("a new long passphrase")
    student.save()
    html = elsewhere.get(url).content.decode()
    assert "Log out" not in html and "Xanthippe" not in html  # that session was logged out

    client = _logged_in(student)
    client.get(url)
    student.is_active = False
    student.save()
    assert "Log out" not in client.get(url).content.decode()


def test_a_pending_message_is_shown_not_a_cached_page(course, student):
    client = _logged_in(student)
    url = course.get_absolute_url()
    client.get(url)
    client.get(url)
    lesson = _lessons(course)[0]
    client.post(reverse("learning:lesson_complete", args=[course.slug, lesson.pk]))  # says "Marked complete"
    response = client.get(url)
    assert response.context is not None  # rendered, not from the cache: the message is in it
    assert list(response.context["messages"])


def test_after_logging_out_the_cached_page_is_gone(course, student):
    client = _logged_in(student)
    url = course.get_absolute_url()
    client.get(url)
    client.get(url)
    client.logout()
    html = client.get(url).content.decode()
    assert "Log out" not in html and "Continue learning" not in html
