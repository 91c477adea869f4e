"""The learning loop (issue 14): "Complete and continue" to the next lesson,
"Next lesson" after a passed quiz, the course-completed page after the last
lesson (certificate, review prompt), quiz results marked by symbol and words
as the quiz's setting allows, and the assignment form's inline errors, folding
"replace" form and linked URLs."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from community.models import Review
from courses.models import Lesson, Question, Quiz
from enrollments.models import Enrollment
from learning.models import LessonProgress, QuizAttempt, Submission
from learning.services.progress import lesson_complete
from tests.factories import (
    EnrollmentFactory,
    LessonFactory,
    UserFactory,
    course_with_curriculum,
)
from tests.learning.factories import SubmissionFactory, question_with_choices, quiz_course

pytestmark = pytest.mark.django_db


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))


def complete_url(lesson) -> str:
    return reverse("learning:lesson_complete", args=[lesson.module.course.slug, lesson.pk])


def completed_url(course) -> str:
    return reverse("learning:course_completed", args=[course.slug])


@pytest.fixture
def course():
    """Two modules of two text lessons."""
    return course_with_curriculum(modules=2, lessons_per_module=2)


@pytest.fixture
def student(client, course):
    enrollment = EnrollmentFactory(course=course)
    client.force_login(enrollment.user)
    return enrollment.user


# --- "Complete and continue" -----------------------------------------------------------------------


def test_the_lesson_page_offers_complete_and_continue_and_can_focus_its_title(client, course, student):
    html = client.get(lessons_of(course)[0].get_absolute_url()).content.decode()
    assert re.search(
        r'<button class="button" type="submit" name="then" value="next">Complete and continue</button>', html
    )
    assert "Mark as complete" in html  # the plain one stays, as the secondary button
    assert '<h1 id="lesson-title" tabindex="-1">' in html
    assert re.search(r'<script src="/static/js/lesson-title-focus\.js[^"]*" defer></script>', html)


@pytest.mark.parametrize("index", [0, 1])  # within a module, and across into the next one
def test_complete_and_continue_records_and_goes_to_the_next_lesson(client, course, student, index):
    lessons = lessons_of(course)
    response = client.post(complete_url(lessons[index]), {"then": "next"})
    assert response.status_code == 302
    assert response["Location"] == f"{lessons[index + 1].get_absolute_url()}#lesson-title"
    assert LessonProgress.objects.get(user=student, lesson=lessons[index]).is_completed


def test_mark_as_complete_without_continue_stays_on_the_lesson(client, course, student):
    lesson = lessons_of(course)[0]
    response = client.post(complete_url(lesson))
    assert response["Location"] == lesson.get_absolute_url()


def test_the_last_lesson_leads_to_the_completed_page_when_every_lesson_is_done(client, course, student):
    *earlier, last = lessons_of(course)
    for lesson in earlier:
        lesson_complete(user=student, lesson=lesson)
    response = client.post(complete_url(last), {"then": "next"})
    assert response["Location"] == completed_url(course)
    assert Enrollment.objects.get(user=student).progress_percent == 100


def test_the_last_lesson_leads_to_the_first_lesson_left_undone(client, course, student):
    lessons = lessons_of(course)
    lesson_complete(user=student, lesson=lessons[0])
    response = client.post(complete_url(lessons[-1]), {"then": "next"})
    assert response["Location"] == f"{lessons[1].get_absolute_url()}#lesson-title"


def test_a_completed_lesson_offers_the_next_one_and_the_last_one_the_completed_page(client, course, student):
    lessons = lessons_of(course)
    for lesson in lessons:
        lesson_complete(user=student, lesson=lesson)
    html = client.get(lessons[0].get_absolute_url()).content.decode()
    assert f'href="{lessons[1].get_absolute_url()}#lesson-title" data-testid="next-step">Next lesson' in html
    html = client.get(lessons[-1].get_absolute_url()).content.decode()
    assert f'href="{completed_url(course)}" data-testid="next-step">Finish the course' in html


# --- "Next lesson" after a quiz ----------------------------------------------------------------------


def take_quiz(client, quiz, *, right: bool):
    args = [quiz.lesson.module.course.slug, quiz.lesson.pk]
    client.post(reverse("learning:quiz_start", args=args))
    attempt = QuizAttempt.objects.filter(quiz=quiz).order_by("-attempt_number").first()
    answers = {
        f"question_{q.pk}": [str(next(c.pk for c in q.choices.all() if c.is_correct is right))]
        for q in quiz.questions.all()
    }
    client.post(reverse("learning:quiz_submit", args=[*args, attempt.pk]), answers)
    return reverse("learning:quiz_result", args=[*args, attempt.pk])


@pytest.fixture
def quiz_then_lesson(client):
    quiz, enrollment = quiz_course(max_attempts=3)
    after = LessonFactory(module=quiz.lesson.module, order=2, title="After the quiz")
    client.force_login(enrollment.user)
    return quiz, after


def test_a_passed_quiz_offers_the_next_lesson_first(client, quiz_then_lesson):
    quiz, after = quiz_then_lesson
    html = client.get(take_quiz(client, quiz, right=True)).content.decode()
    href = f"{after.get_absolute_url()}#lesson-title"
    next_link = f'<a class="button" href="{href}" data-testid="next-step">Next lesson'
    assert next_link in html
    assert html.index(next_link) < html.index("Back to the lesson")  # the primary action comes first
    assert "Try again" not in html


def test_a_failed_quiz_offers_try_again_and_no_next_lesson(client, quiz_then_lesson):
    quiz, _after = quiz_then_lesson
    html = client.get(take_quiz(client, quiz, right=False)).content.decode()
    assert ">Try again</button>" in html
    assert "next-step" not in html


def test_passing_the_last_quiz_of_a_finished_course_leads_to_the_completed_page(client):
    quiz, enrollment = quiz_course()
    client.force_login(enrollment.user)
    lesson_complete(user=enrollment.user, lesson=lessons_of(quiz.lesson.module.course)[0])
    html = client.get(take_quiz(client, quiz, right=True)).content.decode()
    assert (
        f'href="{completed_url(quiz.lesson.module.course)}" data-testid="next-step">Finish the course' in html
    )


# Session, user, attempt, enrollment, quiz, attempts, questions, choices, the
# badge (test_progress_pages.QUIZ_RESULT_QUERIES), and for a pass the curriculum
# (its version and, on a first view, its modules and lessons).
QUIZ_RESULT_PASSED_QUERIES = 10


def test_the_passed_result_adds_only_the_cached_curriculum(
    client, quiz_then_lesson, django_assert_num_queries
):
    quiz, _after = quiz_then_lesson
    url = take_quiz(client, quiz, right=True)
    client.get(url)  # the curriculum is cached
    with django_assert_num_queries(QUIZ_RESULT_PASSED_QUERIES):
        response = client.get(url)
    assert "Next lesson" in response.content.decode()


# --- the course-completed page -----------------------------------------------------------------------


@pytest.fixture
def finished(client, course, student):
    for lesson in lessons_of(course):
        lesson_complete(user=student, lesson=lesson)
    return Enrollment.objects.get(user=student, course=course)


def test_the_completed_page_congratulates_links_the_certificate_and_asks_for_a_review(
    client, course, finished
):
    response = client.get(completed_url(course))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Congratulations" in html and course.title in html
    code = finished.certificate.code
    assert f'href="{reverse("learning:certificate", args=[code])}" data-testid="certificate-link"' in html
    # community's review prompt, in the page's slot
    assert f'action="{reverse("community:reviews", args=[course.slug])}"' in html
    assert f"How was “{course.title}”?" in html and "Publish your review" in html


def test_the_completed_page_offers_to_change_an_existing_review(client, course, finished):
    Review.objects.create(user=finished.user, course=course, rating=4, body="Clear and calm.")
    html = client.get(completed_url(course)).content.decode()
    assert "You reviewed this course" in html and "Update your review" in html and "Clear and calm." in html


# Session, user, the course with its figures, the enrollment with its
# certificate code, community's own-review query, the unread badge.
COMPLETED_PAGE_QUERIES = 6


@pytest.mark.parametrize("lessons_per_module", [2, 20])
def test_the_completed_page_queries_are_pinned(client, django_assert_num_queries, lessons_per_module):
    course = course_with_curriculum(modules=2, lessons_per_module=lessons_per_module)
    enrollment = EnrollmentFactory(course=course)
    for lesson in lessons_of(course):
        lesson_complete(user=enrollment.user, lesson=lesson)
    client.force_login(enrollment.user)
    with django_assert_num_queries(COMPLETED_PAGE_QUERIES):
        response = client.get(completed_url(course))
    assert response.status_code == 200


@pytest.mark.parametrize("viewer", ["anonymous", "not_enrolled", "halfway", "revoked", "instructor"])
def test_everyone_but_a_student_who_finished_is_sent_to_the_course_page(client, course, viewer):
    if viewer == "not_enrolled":
        client.force_login(UserFactory())
    elif viewer == "instructor":
        client.force_login(course.instructor)
    elif viewer in ("halfway", "revoked"):
        enrollment = EnrollmentFactory(course=course)
        lessons = lessons_of(course)
        for lesson in lessons if viewer == "revoked" else lessons[:2]:
            lesson_complete(user=enrollment.user, lesson=lesson)
        if viewer == "revoked":
            Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.REVOKED)
        client.force_login(enrollment.user)
    response = client.get(completed_url(course))
    assert response.status_code == 302
    assert response["Location"] == course.get_absolute_url()


def test_the_completed_page_of_a_course_nobody_may_see_is_a_404(client):
    course = course_with_curriculum(modules=1, lessons_per_module=1, status="draft")
    client.force_login(UserFactory())
    assert client.get(completed_url(course)).status_code == 404
    assert client.get(reverse("learning:course_completed", args=["no-such-course"])).status_code == 404


# --- quiz results: symbols and words, as the setting allows ----------------------------------------


@pytest.mark.parametrize(
    ("setting", "missed_shown"),
    [
        (Quiz.ShowAnswers.AFTER_EACH_ATTEMPT, True),
        (Quiz.ShowAnswers.AFTER_PASSING, False),  # not passed
        (Quiz.ShowAnswers.NEVER, False),
    ],
)
def test_a_result_marks_the_students_choices_and_the_missed_right_ones_as_allowed(
    client, setting, missed_shown
):
    quiz, enrollment = quiz_course(show_answers=setting)
    Question.objects.filter(quiz=quiz).delete()
    question, (right_chosen, wrong_chosen, right_missed, plain) = question_with_choices(
        quiz, Question.Kind.MULTIPLE, correct=(0, 2), choices=4
    )
    client.force_login(enrollment.user)
    args = [quiz.lesson.module.course.slug, quiz.lesson.pk]
    client.post(reverse("learning:quiz_start", args=args))
    attempt = QuizAttempt.objects.get(quiz=quiz)
    client.post(
        reverse("learning:quiz_submit", args=[*args, attempt.pk]),
        {f"question_{question.pk}": [str(right_chosen.pk), str(wrong_chosen.pk)]},
    )
    html = client.get(reverse("learning:quiz_result", args=[*args, attempt.pk])).content.decode()

    def row(choice) -> str:
        mark = r'(?:<span class="answer-mark">.*?</span></span>)?'
        pattern = rf'<li class="choice-[a-z]+"[^>]*>\s*{mark}\s*{re.escape(choice.text)}.*?</li>'
        match = re.search(pattern, html, re.S)
        assert match, choice.text
        return match.group(0)

    # The question: wrong, in colour (class) and a symbol with the word.
    assert re.search(r'class="question-verdict verdict-wrong".*?✗</span> <strong>Wrong</strong> · 0/1', html)
    # The student's own choices: right and wrong, whatever the setting, with words for screen readers.
    right_row, wrong_row = row(right_chosen), row(wrong_chosen)
    assert 'data-mark="right"' in right_row and '✓<span class="visually-hidden"> correct:</span>' in right_row
    assert (
        'data-mark="wrong"' in wrong_row and '✗<span class="visually-hidden"> incorrect:</span>' in wrong_row
    )
    assert "Your answer" in row(right_chosen) and "Your answer" in row(wrong_chosen)
    # The right choice they missed: only as the setting allows.
    assert ('data-mark="answer"' in row(right_missed)) is missed_shown
    assert ("Right answer" in row(right_missed)) is missed_shown
    assert "data-mark" not in row(plain) and "answer-mark" not in row(plain)


# --- assignments -------------------------------------------------------------------------------------


@pytest.fixture
def assignment(client):
    course = course_with_curriculum(modules=1, lessons_per_module=1)
    lesson = LessonFactory(module=course.modules.get(), kind=Lesson.Kind.ASSIGNMENT, title="Build it")
    enrollment = EnrollmentFactory(course=course)
    client.force_login(enrollment.user)
    return lesson, enrollment.user


def submit_url(lesson) -> str:
    return reverse("learning:assignment_submit", args=[lesson.module.course.slug, lesson.pk])


def test_a_refused_file_comes_back_inline_with_the_text_kept(client, assignment):
    lesson, _student = assignment
    typed = "My answer, three paragraphs long & <careful>."
    fake = SimpleUploadedFile("essay.pdf", b"MZ\x90\x00" + b"\x00" * 20, content_type="application/pdf")
    response = client.post(submit_url(lesson), {"text": typed, "file": fake})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<h1 id="lesson-title" tabindex="-1">Build it</h1>' in html  # the lesson page, not a dead end
    form = html[html.index('class="submission-form"') :]
    assert "not a pdf" in form[: form.index("</form>")]  # the error is on the form
    assert "My answer, three paragraphs long &amp; &lt;careful&gt;.</textarea>" in form
    assert not Submission.objects.exists()


def test_an_empty_submission_comes_back_inline(client, assignment):
    lesson, _student = assignment
    response = client.post(submit_url(lesson), {"text": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    form = html[html.index('class="submission-form"') :]
    assert "Write an answer or attach a file." in form[: form.index("</form>")]


def test_an_invalid_form_from_someone_not_enrolled_is_still_refused(client, assignment):
    lesson, _student = assignment
    client.force_login(UserFactory())
    response = client.post(submit_url(lesson), {"text": ""})
    assert response.status_code == 403
    assert "submission-form" not in response.content.decode()


def test_the_replace_form_folds_away_while_a_submission_waits(client, assignment):
    lesson, student = assignment
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "<details" not in html and "Submit assignment" in html
    SubmissionFactory(lesson=lesson, user=student, text="First go")
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert re.search(
        r'<details class="replace-submission">\s*<summary>Replace your submission</summary>', html
    )
    # Refused, it comes back unfolded, with the error.
    html = client.post(submit_url(lesson), {"text": "x" * 50_001}).content.decode()
    assert re.search(r'<details class="replace-submission" open>', html)
    assert "at most 50000 characters" in html


def test_urls_in_submitted_text_are_links_and_the_rest_stays_plain(client, assignment):
    lesson, student = assignment
    SubmissionFactory(
        lesson=lesson,
        user=student,
        text="Repo: https://example.com/me/parser?x=1&y=2\n\n**not bold** <b>no tags</b>",
    )
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert (
        '<a href="https://example.com/me/parser?x=1&amp;y=2" rel="noopener nofollow ugc">'
        "https://example.com/me/parser?x=1&amp;y=2</a>"
    ) in html
    assert "**not bold** &lt;b&gt;no tags&lt;/b&gt;" in html
