"""A course's status closes it to new students, never to its own (issue 12): a
draft or archived course keeps its enrolled students' course page, lessons,
quizzes, assignments and My learning card, leaves the catalogue, and refuses
new enrollments and checkouts with a clear message. Its instructor never
enrolls in or buys their own course; they preview it as before."""

import pytest
from django.urls import reverse

from courses.catalogue import catalogue_courses
from courses.models import Course, Lesson
from enrollments.models import Enrollment
from enrollments.services import EnrollmentNotAllowed, enrollment_create_free
from learning.models import LessonProgress, QuizAttempt, Submission
from tests.factories import EnrollmentFactory, UserFactory, course_with_curriculum
from tests.learning.factories import QuizFactory, question_with_choices

pytestmark = pytest.mark.django_db

CLOSED = [Course.Status.DRAFT, Course.Status.ARCHIVED]


def closed_course(status, **fields):
    course = course_with_curriculum(modules=1, lessons_per_module=3, **fields)
    quiz_lesson, assignment = Lesson.objects.filter(module__course=course).order_by("order")[1:]
    Lesson.objects.filter(pk=quiz_lesson.pk).update(kind=Lesson.Kind.QUIZ)
    Lesson.objects.filter(pk=assignment.pk).update(kind=Lesson.Kind.ASSIGNMENT)
    question_with_choices(QuizFactory(lesson=quiz_lesson))
    student = EnrollmentFactory(course=course).user
    Course.objects.filter(pk=course.pk).update(status=status)
    course.refresh_from_db()
    return course, student


@pytest.mark.parametrize("status", CLOSED)
def test_an_enrolled_student_keeps_every_page_of_a_closed_course(client, status):
    course, student = closed_course(status)
    text, quiz_lesson, assignment = Lesson.objects.filter(module__course=course).order_by("order")
    client.force_login(student)

    page = client.get(course.get_absolute_url())
    assert page.status_code == 200
    assert "This course is closed to new students. You keep your access to it." in page.content.decode()
    assert client.get(text.get_absolute_url()).status_code == 200
    assert client.post(reverse("learning:lesson_complete", args=[course.slug, text.pk])).status_code == 302
    assert client.post(reverse("learning:quiz_start", args=[course.slug, quiz_lesson.pk])).status_code == 302
    submit = reverse("learning:assignment_submit", args=[course.slug, assignment.pk])
    assert client.post(submit, {"text": "My answer"}).status_code == 302
    assert LessonProgress.objects.filter(user=student, lesson=text, completed_at__isnull=False).exists()
    assert (
        QuizAttempt.objects.filter(user=student).exists() and Submission.objects.filter(user=student).exists()
    )
    dashboard = client.get(reverse("learning:dashboard")).content.decode()
    assert course.get_absolute_url() in dashboard


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_course_is_hidden_from_everyone_else_and_the_catalogue(client, status):
    course, _ = closed_course(status)
    assert course not in catalogue_courses()
    assert client.get(course.get_absolute_url()).status_code == 404
    revoked = EnrollmentFactory(course=course, status=Enrollment.Status.REVOKED).user
    for viewer in (UserFactory(), revoked):
        client.force_login(viewer)
        assert client.get(course.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_course_takes_no_new_enrollment(client, superuser, status):
    course, _ = closed_course(status)
    newcomer = UserFactory()
    with pytest.raises(EnrollmentNotAllowed, match="closed to new students"):
        enrollment_create_free(user=newcomer, course=course)

    client.force_login(newcomer)  # cannot even see it
    assert client.post(reverse("courses:enroll", args=[course.slug])).status_code == 404

    client.force_login(superuser)  # sees it, and is told why
    response = client.post(reverse("courses:enroll", args=[course.slug]), follow=True)
    assert "This course is closed to new students" in response.content.decode()
    assert not Enrollment.objects.filter(user__in=[newcomer, superuser]).exists()


def test_an_enrolled_student_enrolling_again_in_a_closed_course_is_told_they_are_enrolled(client):
    course, student = closed_course(Course.Status.DRAFT)
    client.force_login(student)
    response = client.post(reverse("courses:enroll", args=[course.slug]), follow=True)
    assert "You are already enrolled in this course." in response.content.decode()
    assert Enrollment.objects.filter(course=course).count() == 1


# --- the instructor and their own course -------------------------------------------------------


def test_an_instructor_cannot_enroll_in_their_own_free_course(client, instructor):
    course = course_with_curriculum(instructor=instructor)
    client.force_login(instructor)

    page = client.get(course.get_absolute_url()).content.decode()
    assert "You teach this course, so you cannot enroll in it or buy it." in page
    assert reverse("courses:enroll", args=[course.slug]) not in page
    assert (
        client.get(Lesson.objects.filter(module__course=course).last().get_absolute_url()).status_code == 200
    )

    response = client.post(reverse("courses:enroll", args=[course.slug]), follow=True)
    assert "You teach this course, so you cannot enroll in it or buy it." in response.content.decode()
    assert not Enrollment.objects.filter(user=instructor).exists()
    with pytest.raises(EnrollmentNotAllowed):
        enrollment_create_free(user=instructor, course=course)
