import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from courses.models import Course, Lesson
from enrollments.models import Enrollment
from notifications.models import Notification
from tests.factories import UserFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


def enroll_url(course) -> str:
    return reverse("courses:enroll", kwargs={"slug": course.slug})


def test_free_enrollment_creates_enrollment_and_notification_and_opens_first_lesson(client, student):
    course = course_with_curriculum(modules=2, lessons_per_module=2)
    client.force_login(student)

    response = client.post(enroll_url(course))

    first = Lesson.objects.get(module__course=course, title="Lesson 1.1")
    assert response.status_code == 302
    assert response.url == first.get_absolute_url()
    enrollment = Enrollment.objects.get(user=student, course=course)
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.purchase is None
    assert enrollment.progress_percent == 0
    notification = Notification.objects.get(user=student)
    assert notification.title == "Course enrolled!"
    assert notification.course == course
    assert client.get(first.get_absolute_url()).status_code == 200


def test_second_post_creates_nothing_and_sends_no_second_notification(client, student):
    course = course_with_curriculum()
    client.force_login(student)
    client.post(enroll_url(course))
    response = client.post(enroll_url(course), follow=True)
    assert Enrollment.objects.filter(user=student, course=course).count() == 1
    assert Notification.objects.filter(user=student).count() == 1
    assert "already enrolled" in response.content.decode()


def test_enrollment_requires_csrf(student):
    course = course_with_curriculum()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(student)
    response = csrf_client.post(enroll_url(course))
    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_anonymous_is_sent_to_log_in_then_back_to_the_course(client):
    course = course_with_curriculum()
    response = client.post(enroll_url(course))
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={course.get_absolute_url()}"
    assert not Enrollment.objects.exists()


def test_get_is_not_allowed(client, student):
    course = course_with_curriculum()
    client.force_login(student)
    assert client.get(enroll_url(course)).status_code == 405
    assert not Enrollment.objects.exists()


def test_paid_course_cannot_be_joined_for_free(client, student):
    course = course_with_curriculum(price=Decimal("25.00"))
    client.force_login(student)
    response = client.post(enroll_url(course), follow=True)
    assert response.redirect_chain[-1][0] == course.get_absolute_url()
    assert "not free" in response.content.decode()
    assert not Enrollment.objects.exists()
    assert not Notification.objects.exists()


def test_draft_course_is_404(client, student):
    course = course_with_curriculum(status=Course.Status.DRAFT)
    client.force_login(student)
    assert client.post(enroll_url(course)).status_code == 404
    assert not Enrollment.objects.exists()


def test_revoked_enrollment_is_reactivated_once(client, student):
    course = course_with_curriculum()
    Enrollment.objects.create(user=student, course=course, status=Enrollment.Status.REVOKED)
    client.force_login(student)
    client.post(enroll_url(course))
    client.post(enroll_url(course))
    assert Enrollment.objects.get(user=student, course=course).status == Enrollment.Status.ACTIVE
    assert Notification.objects.filter(user=student).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_give_one_enrollment():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrency is proven on PostgreSQL (SQLite serialises writers)")
    course = course_with_curriculum()
    student = UserFactory()
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    statuses: list[int] = []
    lock = threading.Lock()

    def post():
        client = Client()
        client.force_login(student)
        barrier.wait()
        response = client.post(enroll_url(course))
        with lock:
            statuses.append(response.status_code)
        connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * threads_count
    assert Enrollment.objects.filter(user=student, course=course).count() == 1
    assert Notification.objects.filter(user=student, title="Course enrolled!").count() == 1
