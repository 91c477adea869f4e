"""A student's work on lessons their instructor archived (issue 12): listed under
"Archived lessons" on the course page (their own only), its quiz results and
files still open, the archived lesson's URL leads there, and the lesson takes
no new work."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from courses.models import Lesson
from courses.services import lessons_delete_or_archive
from learning.models import LessonProgress, QuizAttempt, Submission
from learning.services.quizzes import quiz_attempt_start, quiz_attempt_submit
from tests.courses.test_archive import Classroom
from tests.factories import UserFactory
from tests.learning.test_course_page import ENROLLED_WARM
from tests.own_pages import own_pages_renewed

pytestmark = pytest.mark.django_db

# The student's archived lessons, then their submissions and their quiz attempts
# on them: three queries, only on a course that has archived lessons.
ARCHIVED_WORK_QUERIES = 3


@pytest.fixture
def room(instructor):
    room = Classroom(instructor)
    lessons_delete_or_archive(lessons=Lesson.objects.filter(pk__in=[room.quiz_lesson.pk, room.assignment.pk]))
    return room


def test_the_course_page_lists_a_students_own_archived_work(client, room):
    client.force_login(room.alice.user)
    html = client.get(room.course.get_absolute_url()).content.decode()
    section = html[html.index('data-testid="archived-lessons"') :]
    assert "Archived lessons" in section and "Checkpoint" in section
    assert "Quiz attempt 1: 100%, passed" in section
    result = reverse("learning:quiz_result", args=[room.course.slug, room.quiz_lesson.pk, room.attempt.pk])
    assert result in section
    assert "Essay" not in section  # bob's, not hers

    client.force_login(room.bob.user)
    section = client.get(room.course.get_absolute_url()).content.decode()
    assert "Essay" in section and "Awaiting review" in section and "My essay" in section
    assert reverse("learning:submission_file", args=[room.submission.pk]) in section
    assert "Checkpoint" not in section.split('data-testid="archived-lessons"')[1]

    client.force_login(room.carol.user)  # touched none of them
    assert 'data-testid="archived-lessons"' not in client.get(room.course.get_absolute_url()).content.decode()


def test_the_archived_quiz_result_and_file_still_open_for_their_student(client, room):
    client.force_login(room.alice.user)
    result = reverse("learning:quiz_result", args=[room.course.slug, room.quiz_lesson.pk, room.attempt.pk])
    assert client.get(result).status_code == 200

    client.force_login(room.bob.user)
    response = client.get(reverse("learning:submission_file", args=[room.submission.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Forty-two pages of insight."


def test_the_archived_lessons_url_leads_its_students_to_their_work(client, instructor, room):
    client.force_login(room.alice.user)
    response = client.get(room.quiz_lesson.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{room.course.get_absolute_url()}#archived-lessons"

    client.force_login(UserFactory())  # not enrolled: the lesson is gone
    assert client.get(room.quiz_lesson.get_absolute_url()).status_code == 404

    client.force_login(instructor)
    html = client.get(room.quiz_lesson.get_absolute_url()).content.decode()
    assert "Archived — this lesson is out of the curriculum" in html


def test_an_archived_lesson_takes_no_new_work(client, room):
    client.force_login(room.carol.user)
    slug = room.course.slug
    assert client.post(reverse("learning:quiz_start", args=[slug, room.quiz_lesson.pk])).status_code == 404
    assert (
        client.post(
            reverse("learning:assignment_submit", args=[slug, room.assignment.pk]), {"text": "x"}
        ).status_code
        == 404
    )
    lessons_delete_or_archive(lessons=Lesson.objects.filter(pk=room.text.pk))
    assert client.post(reverse("learning:lesson_complete", args=[slug, room.text.pk])).status_code == 404
    assert not LessonProgress.objects.filter(user=room.carol.user).exists()
    assert not QuizAttempt.objects.filter(user=room.carol.user).exists()
    assert not Submission.objects.filter(user=room.carol.user).exists()


@pytest.mark.parametrize("attempts", [1, 6])
def test_the_course_page_with_archived_work_runs_a_constant_number_of_queries(
    client, django_assert_num_queries, room, attempts
):
    Lesson.objects.filter(pk=room.quiz_lesson.pk).update(archived_at=None)
    for _ in range(attempts):
        attempt = quiz_attempt_start(user=room.alice.user, quiz=room.quiz)
        quiz_attempt_submit(attempt=attempt, data=QueryDict())
    lessons_delete_or_archive(lessons=Lesson.objects.filter(pk__in=[room.text.pk, room.quiz_lesson.pk]))
    client.force_login(room.alice.user)
    client.get(room.course.get_absolute_url())  # the curriculum is cached
    own_pages_renewed(room.alice.user)

    with django_assert_num_queries(ENROLLED_WARM + ARCHIVED_WORK_QUERIES):
        response = client.get(room.course.get_absolute_url())

    assert len(response.context["page"].archived_work) == 2
