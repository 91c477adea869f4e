"""Authoring quizzes and reviewing submissions in the admin, limited to the
instructor's own courses."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from courses.models import Choice, Lesson, Question
from enrollments.models import Enrollment
from learning.models import LessonProgress, Submission
from learning.services.assignments import ReviewNotAllowed, submission_review
from lms.services import instructors_group_sync
from notifications.models import Notification
from tests.courses.test_admin import form_data
from tests.factories import EnrollmentFactory, LessonFactory, course_with_curriculum
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
    url = reverse("admin:learning_submission_changelist")
    rows = set(client.get(url).context["cl"].result_list)
    assert rows == {submissions["mine_new"], submissions["mine_passed"]}
    filtered = client.get(url, {"status": "submitted"}).context["cl"].result_list
    assert list(filtered) == [submissions["mine_new"]]
    course_id = my_quiz.lesson.module.course_id
    assert len(client.get(url, {"course": str(course_id)}).context["cl"].result_list) == 2
    theirs = submissions["theirs"]
    response = client.post(
        reverse("admin:learning_submission_change", args=[theirs.pk]), {"status": "passed"}
    )
    assert response.status_code == 302 and response.url == reverse("admin:index")
    theirs.refresh_from_db()
    assert theirs.status == Submission.Status.SUBMITTED
    assert client.get(reverse("admin:learning_submission_add")).status_code == 403


def test_superuser_sees_every_submission(client, superuser, submissions):
    client.force_login(superuser)
    rows = client.get(reverse("admin:learning_submission_changelist")).context["cl"].result_list
    assert len(rows) == 3


@pytest.fixture
def passed_and_needs_work(instructor):
    """A student whose first submission needed work and whose second passed."""
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor)
    lesson = LessonFactory(module=course.modules.get(), kind=Lesson.Kind.ASSIGNMENT)
    enrollment = EnrollmentFactory(course=course)
    student = enrollment.user
    first = SubmissionFactory(lesson=lesson, user=student, status=Submission.Status.NEEDS_WORK)
    second = SubmissionFactory(lesson=lesson, user=student)
    submission_review(submission=second, reviewer=instructor, status=Submission.Status.PASSED)
    return first, second


def review_state():
    return (
        list(Submission.objects.order_by("pk").values_list("status", "feedback", "reviewed_at")),
        list(LessonProgress.objects.values_list("lesson_id", "completed_at")),
        list(Enrollment.objects.values_list("progress_percent", "completed_at")),
        Notification.objects.count(),
        LogEntry.objects.count(),
    )


def test_passing_a_second_submission_of_a_passed_lesson_is_refused_in_the_admin(
    client, instructor, passed_and_needs_work
):
    first, _ = passed_and_needs_work
    before = review_state()
    client.force_login(instructor)
    url = reverse("admin:learning_submission_change", args=[first.pk])

    response = client.post(url, {"status": "passed", "feedback": "Fine after all."})

    assert response.status_code == 200
    assert "already has a passed submission for this lesson" in response.content.decode()
    assert review_state() == before
    # Feedback on the old submission stays possible.
    assert client.post(url, {"status": "needs_work", "feedback": "See the newer one."}).status_code == 302


def test_a_reviewer_who_loses_the_race_to_a_pass_gets_a_message_not_a_500(
    client, instructor, passed_and_needs_work, monkeypatch
):
    # The form's check ran before the other reviewer's pass committed: the
    # service, under the lock, is the one that refuses.
    first, _ = passed_and_needs_work
    monkeypatch.setattr("learning.admin.submission_review_refusal", lambda **kwargs: None)
    before = review_state()
    client.force_login(instructor)
    url = reverse("admin:learning_submission_change", args=[first.pk])

    response = client.post(url, {"status": "passed", "feedback": "Fine after all."}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(url, 302)]  # back to the form
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert len(shown) == 1
    assert shown[0][0] == "error" and "already has a passed submission" in shown[0][1]
    assert review_state() == before


def test_submission_review_refuses_a_second_pass_and_writes_nothing(instructor, passed_and_needs_work):
    first, _ = passed_and_needs_work
    before = review_state()
    with pytest.raises(ReviewNotAllowed, match="already has a passed submission"):
        submission_review(submission=first, reviewer=instructor, status=Submission.Status.PASSED)
    assert review_state() == before


def test_without_an_enrollment_the_constraint_still_gives_a_refusal(
    instructor, passed_and_needs_work, monkeypatch
):
    # No enrollment row to lock: the partial unique constraint decides, and the
    # service turns its IntegrityError into the same refusal.
    first, _ = passed_and_needs_work
    Enrollment.objects.all().delete()
    monkeypatch.setattr("learning.services.assignments.submission_review_refusal", lambda **kwargs: None)
    before = review_state()
    with pytest.raises(ReviewNotAllowed, match="has just passed"):
        submission_review(submission=first, reviewer=instructor, status=Submission.Status.PASSED)
    assert review_state() == before
