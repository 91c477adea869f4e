"""A student goes through a course with "Complete and continue", at a desktop's
and a phone's width (issue 14): each click lands on the next lesson with
keyboard focus on its title, across a module boundary; a passed quiz offers
"Next lesson"; the last lesson leads to the course-completed page (certificate,
review prompt)."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import Choice, Lesson, Question, Quiz
from enrollments.models import Enrollment
from tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, ModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def course(instructor):
    """Two modules: two text lessons, then a one-question quiz and a last text lesson."""
    course = CourseFactory(title="Migrations, calmly", slug="migrations-calmly", instructor=instructor)
    first = ModuleFactory(course=course, title="Schema changes", order=0)
    LessonFactory(module=first, title="Reading a migration", content="Operations run in order.", order=0)
    LessonFactory(module=first, title="Squashing migrations", content="Once the history is long.", order=1)
    second = ModuleFactory(course=course, title="Practice", order=1)
    quiz_lesson = LessonFactory(
        module=second, title="Check yourself", kind=Lesson.Kind.QUIZ, content="", order=0
    )
    quiz = Quiz.objects.create(lesson=quiz_lesson, pass_mark=100, show_answers=Quiz.ShowAnswers.AFTER_PASSING)
    question = Question.objects.create(
        quiz=quiz, kind=Question.Kind.SINGLE, prompt="Which command applies migrations?", order=0
    )
    Choice.objects.bulk_create(
        [
            Choice(question=question, text="migrate", is_correct=True, order=0),
            Choice(question=question, text="makemigrations", order=1),
        ]
    )
    LessonFactory(module=second, title="Deploying them", content="Two releases.", order=1)
    return course


def title(page, name: str):
    return page.get_by_role("heading", name=name, level=1)


def complete_and_continue(page) -> None:
    page.get_by_role("main").get_by_role("button", name="Complete and continue").click()


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_complete_and_continue_through_to_the_completed_page(page, log_in, student, course, viewport):
    EnrollmentFactory(user=student, course=course)
    log_in(student)
    page.set_viewport_size(viewport)
    page.goto(Lesson.objects.get(title="Reading a migration").get_absolute_url())
    expect(title(page, "Reading a migration")).to_be_visible()

    complete_and_continue(page)
    expect(page).to_have_url(re.compile(r"/lessons/\d+/#lesson-title$"))
    expect(title(page, "Squashing migrations")).to_be_focused()
    expect(page.get_by_role("status")).to_contain_text(
        "“Reading a migration” is complete. You are 25% through."
    )

    # From the keyboard, across into the next module.
    page.get_by_role("main").get_by_role("button", name="Complete and continue").focus()
    page.keyboard.press("Enter")
    expect(title(page, "Check yourself")).to_be_focused()
    expect(page.get_by_test_id("progress")).to_have_text("50% complete · 2 of 4 lessons")

    # A quiz lesson completes by passing: then "Next lesson".
    page.get_by_role("button", name="Start quiz").click()
    page.get_by_role("group", name=re.compile(r"^Question 1\b")).get_by_label("migrate", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_test_id("quiz-verdict")).to_contain_text("Passed")
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    page.get_by_role("link", name=re.compile(r"^Next lesson\W+Deploying them$")).click()
    expect(title(page, "Deploying them")).to_be_focused()
    expect(page.get_by_test_id("progress")).to_have_text("75% complete · 3 of 4 lessons")

    # The last lesson leads to the course-completed page.
    complete_and_continue(page)
    expect(page).to_have_url(re.compile(r"/courses/migrations-calmly/completed/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Congratulations: you completed “Migrations, calmly”"
    )
    enrollment = Enrollment.objects.get(user=student, course=course)
    expect(page.get_by_role("link", name="View your certificate")).to_have_attribute(
        "href", enrollment.certificate.get_absolute_url()
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The review prompt (community's, in the page's slot) publishes a review.
    prompt = page.get_by_role("region", name="How was “Migrations, calmly”?")
    prompt.get_by_role("radio", name="5 stars").check()
    prompt.get_by_label("Your review").fill("Calm indeed.")
    prompt.get_by_role("button", name="Publish your review").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you: your review is published.")

    expect(page).to_have_url(re.compile(r"/courses/migrations-calmly/#reviews$"))
    page.go_back()
    page.reload()
    expect(page.get_by_role("heading", name="You reviewed this course")).to_be_visible()
    page.get_by_role("link", name="View your certificate").click()
    expect(page.get_by_test_id("certificate-name")).to_be_visible()
