"""An enrolled student finishes a small course, end to end in Chromium (issue 5):
a text lesson marked complete, a quiz failed then passed, then 100% and
"Course completed" on My learning."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import Choice, Lesson, Question, Quiz
from enrollments.models import Enrollment
from notifications.models import Notification
from tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, ModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def small_course(instructor):
    """Two lessons: a text lesson, then a quiz of two questions (pass mark 70%, three attempts)."""
    course = CourseFactory(title="Migrations, calmly", slug="migrations-calmly", instructor=instructor)
    module = ModuleFactory(course=course, title="Schema changes", order=0)
    text = LessonFactory(
        module=module, title="Reading a migration", content="Operations run in order.", order=0
    )
    quiz_lesson = LessonFactory(
        module=module, title="Check yourself", kind=Lesson.Kind.QUIZ, content="", order=1
    )
    quiz = Quiz.objects.create(
        lesson=quiz_lesson, pass_mark=70, max_attempts=3, show_answers=Quiz.ShowAnswers.AFTER_PASSING
    )
    single = Question.objects.create(
        quiz=quiz, kind=Question.Kind.SINGLE, prompt="Which command applies migrations?", order=0
    )
    Choice.objects.bulk_create(
        [
            Choice(question=single, text="migrate", is_correct=True, order=0),
            Choice(question=single, text="makemigrations", order=1),
            Choice(question=single, text="runserver", order=2),
        ]
    )
    true_false = Question.objects.create(
        quiz=quiz,
        kind=Question.Kind.TRUE_FALSE,
        prompt="A UniqueConstraint is enforced by the database.",
        explanation="The database refuses the second row, whatever the code does.",
        order=1,
    )
    Choice.objects.bulk_create(
        [
            Choice(question=true_false, text="True", is_correct=True, order=0),
            Choice(question=true_false, text="False", order=1),
        ]
    )
    return course, text, quiz_lesson


def answer(page, question: int, choice: str) -> None:
    page.get_by_role("group", name=re.compile(rf"^Question {question}\b")).get_by_label(
        choice, exact=True
    ).check()


def test_student_completes_a_course_with_a_text_lesson_and_a_quiz(page, log_in, student, small_course):
    course, text, _quiz = small_course
    EnrollmentFactory(user=student, course=course)
    log_in(student)

    page.goto("/dashboard/")
    expect(page.get_by_text("0% complete", exact=True)).to_be_visible()
    page.get_by_role("link", name="Continue Migrations, calmly").click()
    expect(page.get_by_role("heading", name="Reading a migration", level=1)).to_be_visible()

    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_role("status")).to_contain_text(
        "“Reading a migration” is complete. You are 50% through."
    )
    expect(page.get_by_text("Completed ✓")).to_be_visible()
    expect(page.get_by_test_id("progress")).to_have_text("50% complete · 1 of 2 lessons")
    expect(page.get_by_role("progressbar", name="Course progress")).to_have_attribute("aria-valuenow", "50")

    page.get_by_role("navigation", name="Lessons").get_by_role("link", name="Check yourself").click()
    expect(page.get_by_role("heading", name="Check yourself", level=1)).to_be_visible()
    expect(page.get_by_test_id("best-score")).to_have_text("Best score: not attempted yet")
    page.get_by_role("button", name="Start quiz").click()

    # First attempt: one of two right, 50% < 70%.
    expect(page.get_by_text("Attempt 1 of 3")).to_be_visible()
    answer(page, 1, "makemigrations")
    answer(page, 2, "True")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Your result: 50%", level=1)).to_be_visible()
    expect(page.get_by_test_id("quiz-verdict")).to_contain_text("Not passed")
    # Answers are shown after passing only: no hint of the right one yet.
    expect(page.get_by_text("Right answer", exact=True)).to_have_count(0)
    # Their own wrong choice is marked, by symbol and words as well as colour.
    expect(page.locator("[data-mark=wrong]")).to_have_text(re.compile(r"✗\s*incorrect:\s*makemigrations"))

    page.get_by_role("link", name="Back to the lesson").click()
    expect(page.get_by_test_id("best-score")).to_have_text("Best score: 50%")
    expect(page.get_by_test_id("remaining-attempts")).to_have_text("2 attempts left")
    expect(page.get_by_test_id("progress")).to_have_text("50% complete · 1 of 2 lessons")
    page.get_by_role("button", name="Try again").click()

    # Second attempt: both right.
    expect(page.get_by_text("Attempt 2 of 3")).to_be_visible()
    answer(page, 1, "migrate")
    answer(page, 2, "True")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Your result: 100%", level=1)).to_be_visible()
    expect(page.get_by_test_id("quiz-verdict")).to_contain_text("Passed")
    expect(page.get_by_text("The database refuses the second row, whatever the code does.")).to_be_visible()

    page.get_by_role("link", name="Back to the lesson").click()
    expect(page.get_by_text("Passed ✓")).to_be_visible()
    expect(page.get_by_test_id("progress")).to_have_text("100% complete · 2 of 2 lessons")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(page.get_by_text("100% complete · Course completed")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Progress in Migrations, calmly")).to_have_attribute(
        "aria-valuenow", "100"
    )
    # A finished course starts again at the first lesson.
    expect(page.get_by_role("link", name="Continue Migrations, calmly")).to_have_attribute(
        "href", text.get_absolute_url()
    )

    enrollment = Enrollment.objects.get(user=student, course=course)
    assert (enrollment.progress_percent, enrollment.completed_at is not None) == (100, True)
    assert list(Notification.objects.filter(user=student).values_list("title", flat=True)) == [
        "Course completed"
    ]
