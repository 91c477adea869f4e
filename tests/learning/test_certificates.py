"""Certificates: issued once on completion, public and verifiable, revoked
with the enrollment, kept when lessons are added afterwards."""

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import Lesson
from courses.services import lessons_renumber
from enrollments.services import enrollment_grant, enrollment_revoke
from learning.models import Certificate
from learning.services.progress import lesson_complete
from notifications.models import Notification
from tests.factories import EnrollmentFactory, LessonFactory, UserFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).in_curriculum_order())


def finish(enrollment) -> Certificate:
    for lesson in lessons_of(enrollment.course):
        lesson_complete(user=enrollment.user, lesson=lesson)
    return Certificate.objects.get(enrollment=enrollment)


@pytest.fixture
def finished(instructor):
    course = course_with_curriculum(
        modules=1, lessons_per_module=2, instructor=instructor, title="Django Forms"
    )
    enrollment = EnrollmentFactory(course=course, user=UserFactory(first_name="Grace", last_name="Hopper"))
    return enrollment, finish(enrollment)


def test_completing_a_course_issues_one_certificate_with_what_it_certifies(finished):
    enrollment, certificate = finished
    enrollment.refresh_from_db()
    assert certificate.student_name == "Grace Hopper"
    assert certificate.course_title == "Django Forms"
    assert certificate.instructor_name == "Ada Lovelace"
    assert certificate.completed_at == enrollment.completed_at
    assert len(certificate.code) >= 32  # 24 random bytes, URL-safe: 192 bits
    assert Certificate.objects.count() == 1


def test_the_student_is_notified_once_with_the_certificates_link(finished):
    enrollment, certificate = finished
    last = lessons_of(enrollment.course)[-1]
    lesson_complete(user=enrollment.user, lesson=last)  # again: nothing new
    told = Notification.objects.filter(user=enrollment.user, kind=Notification.Kind.COMPLETED)
    assert told.count() == 1
    assert told.get().url == certificate.get_absolute_url()
    client = Client()
    client.force_login(enrollment.user)
    html = client.get(reverse("notifications:list")).content.decode()
    assert f'<a href="{certificate.get_absolute_url()}">View your certificate</a>' in html


def test_the_certificate_page_is_public_and_prints_on_one_page(finished):
    _enrollment, certificate = finished
    response = Client().get(certificate.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="certificate-name">Grace Hopper</p>' in html
    assert "Django Forms" in html and "Ada Lovelace" in html and certificate.code in html
    assert '<meta property="og:title" content="Grace Hopper completed “Django Forms”">' in html
    assert f'<meta property="og:url" content="http://testserver{certificate.get_absolute_url()}">' in html
    assert "certificate-revoked" not in html
    assert "https://fonts." not in html and "<img" not in html


def test_a_revoked_enrollment_shows_its_certificate_as_revoked_until_access_comes_back(finished):
    enrollment, certificate = finished
    enrollment_revoke(enrollment=enrollment)
    html = Client().get(certificate.get_absolute_url()).content.decode()
    assert 'data-testid="certificate-revoked"' in html
    assert "This certificate was revoked." in html

    enrollment_grant(user=enrollment.user, course=enrollment.course)
    assert "certificate-revoked" not in Client().get(certificate.get_absolute_url()).content.decode()


@pytest.mark.parametrize("code", ["doesnotexist" * 3, "short", "with space", "nul\x00byte" * 3, "a" * 65])
def test_an_unknown_or_malformed_code_is_the_friendly_404(client, code):
    response = client.get(f"/certificates/{code}/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() or "not found" in response.content.decode().lower()


def test_lessons_added_after_completion_keep_the_certificate(finished, django_capture_on_commit_callbacks):
    enrollment, certificate = finished
    LessonFactory(module=enrollment.course.modules.get())
    with django_capture_on_commit_callbacks(execute=True):  # the refresh job stores the percentage
        lessons_renumber(module=enrollment.course.modules.get())
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 66
    assert Certificate.objects.get(enrollment=enrollment).code == certificate.code
    client = Client()
    client.force_login(enrollment.user)
    assert certificate.get_absolute_url() in client.get(reverse("learning:dashboard")).content.decode()


def test_my_learning_and_the_course_page_link_the_certificate(finished):
    enrollment, certificate = finished
    client = Client()
    client.force_login(enrollment.user)
    dashboard = client.get(reverse("learning:dashboard")).content.decode()
    assert f'href="{certificate.get_absolute_url()}" data-testid="certificate-link"' in dashboard
    course_page = client.get(enrollment.course.get_absolute_url()).content.decode()
    assert f'href="{certificate.get_absolute_url()}" data-testid="certificate-link"' in course_page


def test_instructors_see_the_certificates_of_their_own_courses_read_only(client, finished, other_instructor):
    _enrollment, certificate = finished
    theirs = course_with_curriculum(modules=1, lessons_per_module=1, instructor=other_instructor)
    other = finish(EnrollmentFactory(course=theirs))
    client.force_login(certificate.enrollment.course.instructor)
    listed = client.get(reverse("admin:learning_certificate_changelist")).context["cl"].result_list
    assert list(listed) == [certificate]
    assert client.get(reverse("admin:learning_certificate_change", args=[certificate.pk])).status_code == 200
    assert client.get(reverse("admin:learning_certificate_change", args=[other.pk])).status_code == 302
    assert client.get(reverse("admin:learning_certificate_add")).status_code == 403
    response = client.post(
        reverse("admin:learning_certificate_delete", args=[certificate.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Certificate.objects.filter(pk=certificate.pk).exists()
