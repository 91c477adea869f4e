"""Who may read and write a lesson's discussions, URL by URL: the same people
who may open every lesson of the course (an active enrollment in a published
course, its instructor, superusers). Everyone else who is logged in gets the
lesson page's 404; the anonymous are sent to log in before anything is looked up."""

import pytest

from community.discussions.models import Question, Reply
from courses.models import Course
from enrollments.services import enrollment_revoke
from tests.community.discussions.conftest import enrolled, question_url, questions_url, reply_to
from tests.factories import EnrollmentFactory, InstructorFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

WHO = [
    "anonymous",
    "not enrolled",
    "enrolled",
    "revoked",
    "the instructor",
    "another instructor",
    "superuser",
]
READERS = {"enrolled", "the instructor", "superuser"}
MODERATORS = {"the instructor", "superuser"}


def viewer(who: str, course):
    if who == "anonymous":
        return None
    if who == "not enrolled":
        return UserFactory()
    if who == "enrolled":
        return enrolled(course)
    if who == "revoked":
        enrollment = EnrollmentFactory(course=course)
        enrollment_revoke(enrollment=enrollment)
        return enrollment.user
    if who == "the instructor":
        return course.instructor
    if who == "another instructor":
        return InstructorFactory()
    return SuperuserFactory()


def requests(lesson, question, answer):
    """(name, method, url, data) for every discussion URL."""
    token = "6f1c1d2e-8d4b-4b7e-9a55-3f3d2d9b7c10"
    return {
        "list": ("get", questions_url(lesson), None),
        "ask": ("post", questions_url(lesson), {"title": "Mine", "body": "Body", "token": token}),
        "question": ("get", question_url(question), None),
        "reply": ("post", question_url(question), {"body": "Body", "token": token}),
        "edit question": ("get", question_url(question, "question_edit"), None),
        "edit reply": ("post", question_url(question, "reply_edit", answer.pk), {"body": "Changed"}),
        "accept": ("post", question_url(question, "answer_accept"), {"reply": answer.pk}),
        "hide": ("post", question_url(question, "question_hide"), {"reason": "Off topic"}),
        "hide reply": ("post", question_url(question, "reply_hide", answer.pk), {"reason": "Spam"}),
        "show": ("post", question_url(question, "question_show"), None),
        "show reply": ("post", question_url(question, "reply_show", answer.pk), None),
    }


def expected(who: str, name: str) -> int:
    if who == "anonymous":
        return 302  # to the login page
    if who not in READERS:
        return 404
    if name in ("list", "question"):
        return 200
    if name in ("ask", "reply"):
        return 302
    if name.startswith("edit"):
        return 404  # only the author edits, and it is not theirs
    if name == "accept":
        return 302 if who in MODERATORS else 403  # the question's author or the instructor
    return 302 if who in MODERATORS else 403  # hide, show


NAMES = [
    "list", "ask", "question", "reply", "edit question", "edit reply",
    "accept", "hide", "hide reply", "show", "show reply",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("who", WHO)
def test_who_may_read_and_post(client, course, lesson, question, who, name):
    answer = reply_to(question, enrolled(course), body="The answer.")
    user = viewer(who, course)
    if user is not None:
        client.force_login(user)
    method, url, data = requests(lesson, question, answer)[name]

    response = getattr(client, method)(url, data or {})

    assert response.status_code == expected(who, name), response.content.decode()[:500]
    if who == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")
    if response.status_code == 404:
        assert "We couldn’t find that page" in response.content.decode()
    wrote = response.status_code == 302 and who != "anonymous"
    assert Question.objects.count() == (2 if wrote and name == "ask" else 1)
    assert Reply.objects.count() == (2 if wrote and name == "reply" else 1)
    question.refresh_from_db()
    answer.refresh_from_db()
    assert question.is_hidden is (wrote and name == "hide")
    assert answer.is_hidden is (wrote and name == "hide reply")
    assert answer.is_accepted is (wrote and name == "accept")


@pytest.mark.parametrize(
    ("who", "status"),
    [("enrolled", 200), ("the instructor", 200), ("superuser", 200), ("another instructor", 404)],
)
def test_a_draft_course_is_discussed_by_its_authors_and_students_only(
    client, course, lesson, question, who, status
):
    # A draft closes a course to new students, never to its own (issue 12).
    user = viewer(who, course)
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    client.force_login(user)

    assert client.get(lesson.get_absolute_url()).status_code == status  # as the lesson page
    assert client.get(questions_url(lesson)).status_code == status
    assert client.get(question_url(question)).status_code == status
    response = client.post(
        question_url(question), {"body": "Hello", "token": "6f1c1d2e-8d4b-4b7e-9a55-3f3d2d9b7c10"}
    )
    assert response.status_code == (302 if status == 200 else 404)


def test_the_question_author_may_accept_and_edit_their_own(client, course, question, asker):
    answer = reply_to(question, enrolled(course))
    client.force_login(asker)
    assert client.get(question_url(question, "question_edit")).status_code == 200
    assert client.post(question_url(question, "answer_accept"), {"reply": answer.pk}).status_code == 302
    assert client.post(question_url(question, "question_hide"), {"reason": "Mine"}).status_code == 403


def test_a_revoked_student_loses_the_threads_they_wrote_in(client, course, lesson, question, asker):
    client.force_login(asker)
    assert client.get(question_url(question)).status_code == 200
    enrollment_revoke(enrollment=asker.enrollments.get())
    assert client.get(question_url(question)).status_code == 404
    assert client.get(questions_url(lesson)).status_code == 404
    assert client.get(question_url(question, "question_edit")).status_code == 404


def test_a_question_is_reached_only_through_its_own_course(client, course, question, asker):
    other = EnrollmentFactory(user=asker).course  # the asker studies another course too
    client.force_login(asker)
    wrong = question_url(question).replace(course.slug, other.slug)
    assert client.get(wrong).status_code == 404


def test_a_lesson_of_another_course_is_a_404(client, course, lesson, asker):
    other = EnrollmentFactory(user=asker).course
    client.force_login(asker)
    assert client.get(questions_url(lesson).replace(course.slug, other.slug)).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("enrolled", 404),
        ("another instructor", 200),
        ("the instructor", 200),
        ("superuser", 200),
    ],
)
def test_the_unanswered_list_is_for_instructors_only(client, course, who, status):
    user = viewer(who, course)
    if user is not None:
        client.force_login(user)
    assert client.get("/community/unanswered/").status_code == status
