import pytest
from django.urls import reverse

from courses.models import Lesson
from enrollments.models import Enrollment
from tests.factories import EnrollmentFactory, UserFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


def test_requires_login(client):
    response = client.get(reverse("learning:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_lists_active_enrollments_newest_first_with_progress_and_continue(client, student):
    older = course_with_curriculum(title="Older course")
    newer = course_with_curriculum(title="Newer course")
    revoked = course_with_curriculum(title="Refunded course")
    EnrollmentFactory(user=student, course=older, progress_percent=40)
    EnrollmentFactory(user=student, course=newer)
    EnrollmentFactory(user=student, course=revoked, status=Enrollment.Status.REVOKED)
    EnrollmentFactory(course=course_with_curriculum(title="Someone else's"))
    client.force_login(student)

    response = client.get(reverse("learning:dashboard"))

    html = response.content.decode()
    assert [e.course.title for e in response.context["enrollments"]] == ["Newer course", "Older course"]
    assert "Refunded course" not in html and "Someone else" not in html
    assert "40% complete" in html
    first = Lesson.objects.get(module__course=older, title="Lesson 1.1")
    assert reverse("courses:lesson", args=[older.slug, first.pk]) in html


def test_empty_dashboard_points_to_the_catalogue(client, student):
    client.force_login(student)
    html = client.get(reverse("learning:dashboard")).content.decode()
    assert "not enrolled in any course yet" in html


# Session, user, the cards (one query: enrollments with their courses, instructors, figures,
# continue link, certificate and current percentage; learning/selectors/cards.py), unread badge.
DASHBOARD_QUERIES = 4


@pytest.mark.parametrize("enrollments", [1, 15])
def test_dashboard_query_count_is_constant(client, django_assert_num_queries, enrollments):
    student = UserFactory()
    for _ in range(enrollments):
        course = course_with_curriculum(modules=2, lessons_per_module=2)
        EnrollmentFactory(user=student, course=course)
        EnrollmentFactory(course=course)
    client.force_login(student)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("learning:dashboard"))
    assert len(response.context["enrollments"]) == enrollments
    assert "2 students" in response.content.decode()
