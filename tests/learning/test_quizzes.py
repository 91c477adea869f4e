"""Taking a quiz: no answer leaks, server-side grading, attempts, the time
limit, tampered forms, what the result shows, completion on a pass."""

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Choice, Question, Quiz
from enrollments.models import Enrollment
from learning.models import LessonProgress, QuizAttempt
from learning.services.quizzes import QuizNotAvailable, quiz_attempt_start
from lms import user_page_cache
from tests.factories import EnrollmentFactory, InstructorFactory, UserFactory
from tests.learning.factories import question_with_choices, quiz_course

pytestmark = pytest.mark.django_db


def urls(quiz, attempt=None) -> dict[str, str]:
    args = [quiz.lesson.module.course.slug, quiz.lesson.pk]
    out = {
        "lesson": quiz.lesson.get_absolute_url(),
        "start": reverse("learning:quiz_start", args=args),
        "preview": reverse("learning:quiz_preview", args=args),
    }
    if attempt is not None:
        out.update(
            take=reverse("learning:quiz_attempt", args=[*args, attempt.pk]),
            submit=reverse("learning:quiz_submit", args=[*args, attempt.pk]),
            result=reverse("learning:quiz_result", args=[*args, attempt.pk]),
        )
    return out


def right_answers(quiz) -> dict[str, list[str]]:
    return {
        f"question_{q.pk}": [str(c.pk) for c in q.choices.all() if c.is_correct] for q in quiz.questions.all()
    }


def wrong_answers(quiz) -> dict[str, list[str]]:
    return {
        f"question_{q.pk}": [str(next(c.pk for c in q.choices.all() if not c.is_correct))]
        for q in quiz.questions.all()
    }


@pytest.fixture
def setup(client):
    quiz, enrollment = quiz_course()
    client.force_login(enrollment.user)
    return quiz, enrollment, client


def start(client, quiz) -> QuizAttempt:
    response = client.post(urls(quiz)["start"])
    assert response.status_code == 302, response.content
    return QuizAttempt.objects.filter(quiz=quiz).order_by("-attempt_number").first()


def test_the_take_page_never_contains_the_correct_flags(setup):
    quiz, _enrollment, client = setup
    question_with_choices(quiz, Question.Kind.MULTIPLE, correct=(0, 2), choices=4)
    question_with_choices(quiz, Question.Kind.TRUE_FALSE, correct=(1,))
    attempt = start(client, quiz)
    html = client.get(urls(quiz, attempt)["take"]).content.decode()

    for choice in Choice.objects.filter(question__quiz=quiz):
        assert choice.text in html
        assert f'value="{choice.pk}"' in html
    lowered = html.lower()
    for leak in ["is_correct", "correct", "data-answer", "checked", "<script"]:
        assert leak not in lowered, leak
    # The two renderings of a right and a wrong choice differ only in id and text.
    right = Choice.objects.filter(question__quiz=quiz, is_correct=True).first()
    wrong = Choice.objects.filter(question=right.question, is_correct=False).first()
    right_tag = html[html.index(f'value="{right.pk}"') - 80 : html.index(f'value="{right.pk}"')]
    wrong_tag = html[html.index(f'value="{wrong.pk}"') - 80 : html.index(f'value="{wrong.pk}"')]
    assert re.sub(r"\d+", "N", right_tag) == re.sub(r"\d+", "N", wrong_tag)


def test_instructor_preview_shows_the_questions_without_answers_and_records_nothing(client):
    quiz, enrollment = quiz_course()
    client.force_login(quiz.lesson.module.course.instructor)
    response = client.get(urls(quiz)["preview"])
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview" in html
    assert all(q.prompt in html for q in quiz.questions.all())
    assert "correct" not in html.lower()
    assert not QuizAttempt.objects.exists()
    for outsider in (UserFactory(), enrollment.user, InstructorFactory()):
        client.force_login(outsider)
        assert client.get(urls(quiz)["preview"]).status_code == 404


def test_passing_records_the_attempt_and_completes_the_lesson(setup):
    quiz, enrollment, client = setup
    attempt = start(client, quiz)
    response = client.post(urls(quiz, attempt)["submit"], right_answers(quiz))
    assert response.status_code == 302 and response.url == urls(quiz, attempt)["result"]

    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed, attempt.timed_out) == (100, True, False)
    assert attempt.submitted_at is not None and attempt.started_at <= attempt.submitted_at
    assert [a["correct"] for a in attempt.answers] == [True, True]
    assert LessonProgress.objects.get(user=enrollment.user, lesson=quiz.lesson).is_completed
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 50  # the quiz of 2 lessons

    html = client.get(urls(quiz, attempt)["result"]).content.decode()
    assert "Your result: 100%" in html and "Passed" in html


def test_failing_records_a_failed_attempt_and_does_not_complete(setup):
    quiz, _enrollment, client = setup
    attempt = start(client, quiz)
    client.post(urls(quiz, attempt)["submit"], wrong_answers(quiz))
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (0, False)
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()
    html = client.get(urls(quiz, attempt)["result"]).content.decode()
    assert "Your result: 0%" in html and "Not passed" in html
    assert "Try again" in html


def test_failed_then_passed_best_score_and_remaining_attempts_on_the_lesson_page(client):
    quiz, enrollment = quiz_course(max_attempts=3)
    client.force_login(enrollment.user)
    html = client.get(urls(quiz)["lesson"]).content.decode()
    assert "Best score: not attempted yet" in html and "3 attempts left" in html and "Start quiz" in html

    first = start(client, quiz)
    half = wrong_answers(quiz)
    half.update({k: v for k, v in list(right_answers(quiz).items())[:1]})
    client.post(urls(quiz, first)["submit"], half)
    html = client.get(urls(quiz)["lesson"]).content.decode()
    assert "Best score: 50%" in html and "2 attempts left" in html and "Try again" in html

    second = start(client, quiz)
    assert second.attempt_number == 2
    client.post(urls(quiz, second)["submit"], right_answers(quiz))
    html = client.get(urls(quiz)["lesson"]).content.decode()
    assert "Best score: 100%" in html and "1 attempt left" in html and "Passed" in html


def test_the_attempt_limit_holds(setup):
    quiz, _enrollment, client = setup
    Quiz.objects.filter(pk=quiz.pk).update(max_attempts=1)
    attempt = start(client, quiz)
    client.post(urls(quiz, attempt)["submit"], wrong_answers(quiz))
    response = client.post(urls(quiz)["start"])
    assert response.status_code == 403
    assert "used all your attempts" in response.content.decode()
    assert QuizAttempt.objects.count() == 1
    html = client.get(urls(quiz)["lesson"]).content.decode()
    assert "0 attempts left" in html and "You have used all your attempts." in html


def test_a_second_start_resumes_the_open_attempt(setup):
    quiz, _enrollment, client = setup
    first = start(client, quiz)
    second = start(client, quiz)
    assert first.pk == second.pk
    assert QuizAttempt.objects.count() == 1
    assert "Resume quiz" in client.get(urls(quiz)["lesson"]).content.decode()


def test_a_double_submit_grades_once(setup):
    quiz, _enrollment, client = setup
    attempt = start(client, quiz)
    client.post(urls(quiz, attempt)["submit"], right_answers(quiz))
    recorded = QuizAttempt.objects.get(pk=attempt.pk)
    response = client.post(urls(quiz, attempt)["submit"], wrong_answers(quiz))
    assert response.status_code == 302
    again = QuizAttempt.objects.get(pk=attempt.pk)
    assert (again.score, again.passed, again.submitted_at) == (recorded.score, True, recorded.submitted_at)


def test_a_choice_of_another_question_is_a_400_and_nothing_is_recorded(setup):
    quiz, _enrollment, client = setup
    attempt = start(client, quiz)
    first, second = quiz.questions.all()
    stranger = second.choices.first()
    response = client.post(urls(quiz, attempt)["submit"], {f"question_{first.pk}": str(stranger.pk)})
    assert response.status_code == 400
    # The site's own page, explaining and leading back to the lesson.
    assert "Nothing was recorded" in response.content.decode()
    assert "answers do not match the quiz" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.answers == [] and attempt.score is None
    assert not LessonProgress.objects.exists()
    # The attempt is still open and can be submitted properly.
    client.post(urls(quiz, attempt)["submit"], right_answers(quiz))
    attempt.refresh_from_db()
    assert attempt.passed


def test_two_answers_to_a_single_choice_question_are_a_400_and_nothing_is_recorded(setup):
    # Radio buttons send one value; two mean a tampered form, not a wrong answer.
    quiz, _enrollment, client = setup
    attempt = start(client, quiz)
    first = quiz.questions.first()
    data = right_answers(quiz)
    data[f"question_{first.pk}"] = [str(c.pk) for c in first.choices.all()]
    response = client.post(urls(quiz, attempt)["submit"], data)
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.answers == [] and attempt.score is None
    assert not LessonProgress.objects.exists()


def test_unanswered_questions_count_as_wrong(setup):
    quiz, _enrollment, client = setup
    attempt = start(client, quiz)
    first_only = dict(list(right_answers(quiz).items())[:1])
    client.post(urls(quiz, attempt)["submit"], first_only)
    attempt.refresh_from_db()
    assert attempt.score == 50 and not attempt.passed
    assert [a["choices"] for a in attempt.answers][1] == []


@pytest.mark.parametrize(("minutes_late", "counts"), [(-1, True), (0.5, True), (1.5, False)])
def test_time_limit_with_a_minute_of_grace(setup, minutes_late, counts):
    quiz, _enrollment, client = setup
    Quiz.objects.filter(pk=quiz.pk).update(time_limit_minutes=10)
    attempt = start(client, quiz)
    started = timezone.now() - timedelta(minutes=10 + minutes_late)
    QuizAttempt.objects.filter(pk=attempt.pk).update(started_at=started)
    client.post(urls(quiz, attempt)["submit"], right_answers(quiz))
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None  # recorded either way
    assert attempt.passed is counts
    assert attempt.timed_out is not counts
    assert attempt.score == (100 if counts else 0)
    assert LessonProgress.objects.filter(completed_at__isnull=False).exists() is counts
    if not counts:
        assert "after the time limit" in client.get(urls(quiz, attempt)["result"]).content.decode()


def test_a_late_attempt_earns_no_points_on_its_result_page(setup):
    quiz, _enrollment, client = setup
    Quiz.objects.filter(pk=quiz.pk).update(
        time_limit_minutes=10, show_answers=Quiz.ShowAnswers.AFTER_EACH_ATTEMPT
    )
    attempt = start(client, quiz)
    QuizAttempt.objects.filter(pk=attempt.pk).update(started_at=timezone.now() - timedelta(minutes=12))
    client.post(urls(quiz, attempt)["submit"], right_answers(quiz))
    html = client.get(urls(quiz, attempt)["result"]).content.decode()
    assert "Your result: 0%" in html and "0 of 2 points" in html  # not "2 of 2" beside 0 %
    assert "Right</strong> · 0/1" in html  # the answers were right; they came too late


def test_the_result_keeps_the_points_it_was_graded_with_after_the_quiz_is_edited(setup):
    quiz, _enrollment, client = setup
    Quiz.objects.filter(pk=quiz.pk).update(show_answers=Quiz.ShowAnswers.AFTER_EACH_ATTEMPT)
    attempt = start(client, quiz)
    half = wrong_answers(quiz)
    half.update(dict(list(right_answers(quiz).items())[:1]))
    client.post(urls(quiz, attempt)["submit"], half)
    Question.objects.filter(quiz=quiz).update(points=3)  # the instructor re-weighs afterwards
    html = client.get(urls(quiz, attempt)["result"]).content.decode()
    assert "Your result: 50%" in html and "1 of 2 points" in html
    assert "Right</strong> · 1/1" in html and "Wrong</strong> · 0/1" in html


def test_an_abandoned_timed_out_attempt_is_closed_as_failed_when_starting_again(setup):
    quiz, _enrollment, client = setup
    Quiz.objects.filter(pk=quiz.pk).update(time_limit_minutes=5, max_attempts=2)
    attempt = start(client, quiz)
    QuizAttempt.objects.filter(pk=attempt.pk).update(started_at=timezone.now() - timedelta(hours=1))
    second = start(client, quiz)
    assert second.attempt_number == 2
    attempt.refresh_from_db()
    assert attempt.timed_out and not attempt.passed and attempt.score == 0


@pytest.mark.parametrize(
    ("max_attempts", "offered"), [(2, "Try again"), (1, "You have used all your attempts.")]
)
def test_an_attempt_whose_time_is_up_is_not_offered_for_resuming(setup, monkeypatch, max_attempts, offered):
    # Resuming it could only end in a failed attempt: the lesson page says what is left instead.
    quiz, _enrollment, client = setup
    Quiz.objects.filter(pk=quiz.pk).update(time_limit_minutes=5, max_attempts=max_attempts)
    attempt = start(client, quiz)
    assert "Resume quiz" in client.get(urls(quiz)["lesson"]).content.decode()
    # Six minutes pass: for the attempt, and for the logged-in page cache that holds the page.
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - timedelta(minutes=6, seconds=5)
    )
    later = time.time() + 6 * 60 + 5
    monkeypatch.setattr(user_page_cache, "_now", lambda: later)
    html = client.get(urls(quiz)["lesson"]).content.decode()
    assert "Resume quiz" not in html and offered in html
    assert f"{max_attempts - 1} attempt" in html  # the lapsed attempt counts as used


@pytest.mark.parametrize(
    ("setting", "passed", "shown"),
    [
        (Quiz.ShowAnswers.AFTER_EACH_ATTEMPT, False, True),
        (Quiz.ShowAnswers.AFTER_PASSING, False, False),
        (Quiz.ShowAnswers.AFTER_PASSING, True, True),
        (Quiz.ShowAnswers.NEVER, True, False),
    ],
)
def test_the_result_shows_right_answers_according_to_the_setting(setup, setting, passed, shown):
    quiz, _enrollment, client = setup
    Quiz.objects.filter(pk=quiz.pk).update(show_answers=setting)
    Question.objects.filter(quiz=quiz).update(explanation="Explained **here**.")
    attempt = start(client, quiz)
    client.post(urls(quiz, attempt)["submit"], right_answers(quiz) if passed else wrong_answers(quiz))
    html = client.get(urls(quiz, attempt)["result"]).content.decode()
    # The right choice the student missed, and the explanations, as the setting allows.
    assert ('data-mark="answer"' in html) is (shown and not passed)
    assert ("Right answer" in html) is (shown and not passed)
    assert ("Explained <strong>here</strong>." in html) is shown
    # Whether each of their own answers was right: always, by symbol and words, not colour alone.
    mark = "right" if passed else "wrong"
    assert html.count(f'data-mark="{mark}"') == 2 and html.count("Your answer") == 2
    symbol = "✓" if passed else "✗"
    words = "correct" if passed else "incorrect"
    assert html.count(f'{symbol}<span class="visually-hidden"> {words}:') == 2


def test_someone_elses_attempt_is_a_404(setup):
    quiz, _enrollment, client = setup
    attempt = start(client, quiz)
    intruder = EnrollmentFactory(course=quiz.lesson.module.course).user
    client.force_login(intruder)
    for name in ("take", "result"):
        assert client.get(urls(quiz, attempt)[name]).status_code == 404
    assert client.post(urls(quiz, attempt)["submit"], right_answers(quiz)).status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


@pytest.mark.parametrize("viewer", ["anonymous", "not_enrolled", "revoked"])
def test_only_enrolled_students_start_a_quiz(client, viewer):
    quiz, enrollment = quiz_course()
    if viewer == "not_enrolled":
        client.force_login(UserFactory())
    elif viewer == "revoked":
        Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.REVOKED)
        client.force_login(enrollment.user)
    response = client.post(urls(quiz)["start"])
    assert response.status_code == 403
    assert not QuizAttempt.objects.exists()


def test_revoked_enrollment_cannot_submit_an_open_attempt(setup):
    quiz, enrollment, client = setup
    attempt = start(client, quiz)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.REVOKED)
    assert client.post(urls(quiz, attempt)["submit"], right_answers(quiz)).status_code == 403
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_quiz_without_questions_cannot_be_started(setup):
    quiz, enrollment, _client = setup
    Question.objects.filter(quiz=quiz).delete()
    quiz.lesson.module.course  # noqa: B018 - loaded for the service
    with pytest.raises(QuizNotAvailable):
        quiz_attempt_start(user=enrollment.user, quiz=Quiz.objects.select_related("lesson__module").get())


def test_shuffled_questions_are_graded_by_id_and_shown_in_the_attempts_order(setup):
    quiz, _enrollment, client = setup
    for _ in range(6):
        question_with_choices(quiz)
    Quiz.objects.filter(pk=quiz.pk).update(shuffle_questions=True)
    attempt = start(client, quiz)
    assert sorted(attempt.question_order) == sorted(quiz.questions.values_list("pk", flat=True))
    html = client.get(urls(quiz, attempt)["take"]).content.decode()
    positions = [html.index(f'name="question_{pk}"') for pk in attempt.question_order]
    assert positions == sorted(positions)
    client.post(urls(quiz, attempt)["submit"], right_answers(quiz))
    attempt.refresh_from_db()
    assert attempt.score == 100
