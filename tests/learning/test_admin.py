"""Authoring quizzes and reviewing submissions in the admin, limited to the
instructor's own courses."""

import pytest
from django.urls import reverse

from courses.models import Choice, Lesson, Question
from enrollments.models import Submission
from lms.services import instructors_group_sync
from tests.courses.test_admin import form_data
from tests.factories import LessonFactory, course_with_curriculum
from tests.learning.factories import QuizFactory, SubmissionFactory, question_with_choices

pytestmark = pytest.mark.django_db


@pytest.fixture
def my_quiz(instructor):
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor, title="Mine")
    return QuizFactory(lesson__module=course.modules.get())


@pytest.fixture
def their_quiz(other_instructor):
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=other_instructor)
    return QuizFactory(lesson__module=course.modules.get())


def add_question(client, quiz, *, kind, choices):
    url = reverse("admin:courses_question_add")
    data = form_data(client.get(f"{url}?quiz={quiz.pk}"))
    data.update({"quiz": str(quiz.pk), "kind": kind, "prompt": "What is **2+2**?", "points": "2"})
    data["choices-TOTAL_FORMS"] = str(len(choices))
    for i, (text, correct) in enumerate(choices):
        data[f"choices-{i}-text"] = text
        data[f"choices-{i}-order"] = str(i)
        if correct:
            data[f"choices-{i}-is_correct"] = "on"
        else:
            data.pop(f"choices-{i}-is_correct", None)
    return client.post(url, data)


def test_instructor_group_covers_quizzes_and_review():
    codenames = set(instructors_group_sync().permissions.values_list("codename", flat=True))
    assert {"add_quiz", "change_question", "delete_choice", "view_choice"} <= codenames
    assert {"view_submission", "change_submission"} <= codenames
    assert "add_submission" not in codenames and "delete_submission" not in codenames


def test_an_instructor_writes_a_question_with_its_choices(client, instructor, my_quiz):
    client.force_login(instructor)
    response = add_question(client, my_quiz, kind="single", choices=[("3", False), ("4", True), ("5", False)])
    assert response.status_code == 302
    question = Question.objects.get(quiz=my_quiz)
    assert question.points == 2
    expected = [("3", False), ("4", True), ("5", False)]
    assert list(question.choices.values_list("text", "is_correct")) == expected


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        ("single", [("3", False), ("4", False)], "exactly one correct choice (it has 0)"),
        ("single", [("3", True), ("4", True)], "exactly one correct choice (it has 2)"),
        ("true_false", [("True", True), ("False", True)], "exactly one correct choice"),
        ("true_false", [("True", True), ("False", False), ("Maybe", False)], "exactly two choices"),
        ("multiple", [("a", False), ("b", False), ("c", False)], "at least one correct choice"),
    ],
)
def test_the_admin_refuses_a_question_that_cannot_be_answered_right(
    client, instructor, my_quiz, kind, choices, message
):
    client.force_login(instructor)
    response = add_question(client, my_quiz, kind=kind, choices=choices)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Question.objects.exists()


def test_deleting_the_only_correct_choice_is_refused(client, instructor, my_quiz):
    question, choices = question_with_choices(my_quiz, correct=(0,))
    client.force_login(instructor)
    url = reverse("admin:courses_question_change", args=[question.pk])
    data = form_data(client.get(url))
    data["choices-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "exactly one correct choice (it has 0)" in response.content.decode()
    assert Choice.objects.filter(pk=choices[0].pk).exists()


def test_instructors_see_only_their_own_quizzes_and_questions(client, instructor, my_quiz, their_quiz):
    question_with_choices(their_quiz)
    client.force_login(instructor)
    rows = client.get(reverse("admin:courses_quiz_changelist")).context["cl"].result_list
    assert list(rows) == [my_quiz]
    assert client.get(reverse("admin:courses_quiz_change", args=[their_quiz.pk])).status_code == 302
    theirs = their_quiz.questions.get()
    assert client.get(reverse("admin:courses_question_change", args=[theirs.pk])).status_code == 302
    response = add_question(client, their_quiz, kind="single", choices=[("a", True), ("b", False)])
    assert response.status_code == 200  # "select a valid choice"
    assert not Question.objects.filter(quiz=their_quiz, prompt__contains="2+2").exists()


def test_a_quiz_can_only_belong_to_the_instructors_own_quiz_lessons(client, instructor, my_quiz, their_quiz):
    text_lesson = my_quiz.lesson.module.lessons.exclude(pk=my_quiz.lesson.pk).first()
    free_quiz_lesson = LessonFactory(module=my_quiz.lesson.module, kind=Lesson.Kind.QUIZ)
    client.force_login(instructor)
    field = client.get(reverse("admin:courses_quiz_add")).context["adminform"].form.fields["lesson"]
    choices = set(field.queryset)
    assert free_quiz_lesson in choices and my_quiz.lesson in choices
    assert text_lesson not in choices and their_quiz.lesson not in choices


def test_questions_are_reordered_on_the_quiz_page(client, instructor, my_quiz):
    first, _ = question_with_choices(my_quiz)
    second, _ = question_with_choices(my_quiz)
    client.force_login(instructor)
    url = reverse("admin:courses_quiz_change", args=[my_quiz.pk])
    data = form_data(client.get(url))
    ids = [data[f"questions-{i}-id"] for i in range(2)]
    assert ids == [str(first.pk), str(second.pk)]
    data["questions-0-order"], data["questions-1-order"] = "1", "0"
    assert client.post(url, data).status_code == 302
    assert list(my_quiz.questions.order_by("order").values_list("pk", flat=True)) == [second.pk, first.pk]


# --- review ---------------------------------------------------------------------------------------


@pytest.fixture
def submissions(my_quiz, their_quiz):
    mine = LessonFactory(module=my_quiz.lesson.module, kind=Lesson.Kind.ASSIGNMENT)
    theirs = LessonFactory(module=their_quiz.lesson.module, kind=Lesson.Kind.ASSIGNMENT)
    return {
        "mine_new": SubmissionFactory(lesson=mine),
        "mine_passed": SubmissionFactory(lesson=mine, status=Submission.Status.PASSED),
        "theirs": SubmissionFactory(lesson=theirs),
    }


def test_instructors_review_only_their_courses_submissions(client, instructor, submissions, my_quiz):
    client.force_login(instructor)
    url = reverse("admin:enrollments_submission_changelist")
    rows = set(client.get(url).context["cl"].result_list)
    assert rows == {submissions["mine_new"], submissions["mine_passed"]}
    filtered = client.get(url, {"status": "submitted"}).context["cl"].result_list
    assert list(filtered) == [submissions["mine_new"]]
    course_id = my_quiz.lesson.module.course_id
    assert len(client.get(url, {"course": str(course_id)}).context["cl"].result_list) == 2
    theirs = submissions["theirs"]
    response = client.post(
        reverse("admin:enrollments_submission_change", args=[theirs.pk]), {"status": "passed"}
    )
    assert response.status_code == 302 and response.url == reverse("admin:index")
    theirs.refresh_from_db()
    assert theirs.status == Submission.Status.SUBMITTED
    assert client.get(reverse("admin:enrollments_submission_add")).status_code == 403


def test_superuser_sees_every_submission(client, superuser, submissions):
    client.force_login(superuser)
    rows = client.get(reverse("admin:enrollments_submission_changelist")).context["cl"].result_list
    assert len(rows) == 3
