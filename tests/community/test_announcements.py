"""Announcements: an instructor writes to every active student of a course at
once; notifications in bulk, e-mails from the job queue, the course page lists them."""

from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from community.announcements.models import Announcement
from community.announcements.services import announcement_publish
from enrollments.models import Enrollment
from enrollments.services import enrollment_revoke
from notifications.models import EmailDelivery, Notification
from tests.factories import EnrollmentFactory, UserFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    return course_with_curriculum(
        modules=1, lessons_per_module=2, instructor=instructor, title="Python Testing"
    )


def new_url(course) -> str:
    return reverse("community:announcement_new", args=[course.slug])


def form(title="Office hours", body="Thursday at *five*.", **extra) -> dict:
    """What the browser sends: the fields and the form's one-time token."""
    return {"title": title, "body": body, "token": str(uuid4()), **extra}


def run_jobs():
    """The jobs the transaction enqueued (the immediate backend runs them on commit)."""
    while connection.run_on_commit:
        callbacks = list(connection.run_on_commit)
        connection.run_on_commit.clear()
        for _savepoints, callback, _robust in callbacks:
            callback()


def test_an_instructor_announces_to_every_active_student_once(client, course, mailoutbox):
    students = [EnrollmentFactory(course=course).user for _ in range(3)]
    revoked = EnrollmentFactory(course=course)
    enrollment_revoke(enrollment=revoked)
    client.force_login(course.instructor)

    response = client.post(new_url(course), form())

    announcement = Announcement.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#announcement-{announcement.pk}")
    assert announcement.recipients == 3
    told = Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT)
    assert sorted(told.values_list("user_id", flat=True)) == sorted(s.pk for s in students)
    assert mailoutbox == []  # not inside the request
    run_jobs()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(s.email for s in students)
    assert mailoutbox[0].subject == "Python Testing: Office hours"


def test_students_see_announcements_on_the_course_page_and_others_do_not(client, course):
    student = EnrollmentFactory(course=course).user
    client.force_login(course.instructor)
    client.post(new_url(course), form())

    client.force_login(student)
    html = client.get(course.get_absolute_url()).content.decode()
    assert "Office hours" in html and "Thursday at <em>five</em>." in html
    assert "Write an announcement" not in html
    for viewer in (None, UserFactory()):
        other = Client()
        if viewer:
            other.force_login(viewer)
        assert "Office hours" not in other.get(course.get_absolute_url()).content.decode()


@pytest.mark.parametrize("who", ["anonymous", "student", "other instructor"])
def test_only_the_courses_instructor_may_announce(client, course, other_instructor, who):
    if who == "student":
        client.force_login(EnrollmentFactory(course=course).user)
    elif who == "other instructor":
        client.force_login(other_instructor)
    assert client.get(new_url(course)).status_code == 404
    assert client.post(new_url(course), form("Spam", "Buy my other course")).status_code == 404
    assert not Announcement.objects.exists()


def test_an_empty_or_overlong_announcement_is_a_form_error(client, course):
    client.force_login(course.instructor)
    assert client.post(new_url(course), form("", "x")).status_code == 200
    assert client.post(new_url(course), form("Long", "x" * 20_001)).status_code == 200
    assert not Announcement.objects.exists()


def test_announcing_to_2000_students_takes_a_bounded_number_of_queries(course, django_assert_num_queries):
    users = UserFactory.create_batch(2000)
    Enrollment.objects.bulk_create(Enrollment(user=user, course=course) for user in users)
    if connection.vendor != "postgresql":
        pytest.skip("SQLite splits a bulk INSERT into batches of 999 values: counted on PostgreSQL")

    # Savepoint, the announcement (INSERT), the students (one SELECT), their number (UPDATE),
    # the notifications (one INSERT), the e-mail event (one INSERT … ON CONFLICT),
    # who turned announcements off, the deliveries (one INSERT), release: not one a student.
    with django_assert_num_queries(9):
        announcement_publish(course=course, author=course.instructor, title="Hi", body="Welcome")
    assert Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT).count() == 2000
    assert EmailDelivery.objects.count() == 2000


def test_a_double_click_publishes_once_and_tells_each_student_once(client, course, mailoutbox):
    students = [EnrollmentFactory(course=course).user for _ in range(2)]
    client.force_login(course.instructor)
    sent = form()

    first = client.post(new_url(course), sent)
    second = client.post(new_url(course), sent)  # the same form again

    assert Announcement.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT).count() == 2
    run_jobs()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(s.email for s in students)
    client.post(new_url(course), form())  # a new form: a new announcement
    assert Announcement.objects.count() == 2
