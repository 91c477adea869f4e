"""Progress on the student pages: ticks and the percentage in the course
page's curriculum and the lesson side panel, "Continue learning", and query
counts that stay constant in the size of the course (extending the pinned
numbers of test_course_page.py and test_lesson_access.py)."""

import pytest
from django.urls import reverse

from courses.models import Lesson
from learning.services.progress import lesson_complete
from tests.factories import EnrollmentFactory, LessonFactory, course_with_curriculum
from tests.learning.factories import QuizFactory, SubmissionFactory, question_with_choices

pytestmark = pytest.mark.django_db

TICK = '<span class="tick" title="Completed">'


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))


@pytest.fixture
def progressed(client):
    course = course_with_curriculum(modules=2, lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    lessons = lessons_of(course)
    lesson_complete(user=enrollment.user, lesson=lessons[0])
    lesson_complete(user=enrollment.user, lesson=lessons[2])
    client.force_login(enrollment.user)
    return course, lessons, client


def test_course_page_ticks_completed_lessons_and_shows_the_percentage(progressed):
    course, lessons, client = progressed
    html = client.get(course.get_absolute_url()).content.decode()
    assert "50% complete · 2 of 4 lessons" in html
    assert html.count(TICK) == 2
    for lesson in (lessons[0], lessons[2]):
        link = f'<a href="{lesson.get_absolute_url()}">{lesson.title}</a>'
        assert html.index(TICK, html.index(link)) - html.index(link) < len(link) + 40
    # "Continue learning" goes to the first lesson not completed.
    assert f'<a class="button" href="{lessons[1].get_absolute_url()}">Continue learning</a>' in html


def test_lesson_side_panel_ticks_and_percentage(progressed):
    _course, lessons, client = progressed
    html = client.get(lessons[3].get_absolute_url()).content.decode()
    assert "50% complete" in html
    assert html.count(TICK) == 2
    assert 'aria-valuenow="50"' in html


def test_a_finished_course_continues_at_the_first_lesson(progressed):
    course, lessons, client = progressed
    user = course.enrollments.get().user
    for lesson in lessons:
        lesson_complete(user=user, lesson=lesson)
    html = client.get(course.get_absolute_url()).content.decode()
    assert "100% complete" in html
    assert f'<a class="button" href="{lessons[0].get_absolute_url()}">Go through it again</a>' in html
    assert "Continue learning" not in html


def test_visitors_see_no_ticks_or_progress(client):
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    html = client.get(course.get_absolute_url()).content.decode()
    assert TICK not in html and "% complete" not in html


# --- query counts --------------------------------------------------------------------------------------

# The same numbers as test_course_page.ENROLLED_COLD and
# test_lesson_access.LESSON_PAGE_COLD (a first view: the curriculum is loaded
# and cached): the completion ticks come with the student's enrollment
# (learning/selectors/overlay.py), no query of their own, whatever the size of the course.
COURSE_PAGE_WITH_PROGRESS_QUERIES = 11
TEXT_LESSON_WITH_PROGRESS_QUERIES = 9
# A quiz lesson adds the quiz and the student's attempts.
QUIZ_LESSON_QUERIES = TEXT_LESSON_WITH_PROGRESS_QUERIES + 2
# An assignment lesson adds the student's submissions.
ASSIGNMENT_LESSON_QUERIES = TEXT_LESSON_WITH_PROGRESS_QUERIES + 1


def big_or_small(modules, lessons_per_module):
    course = course_with_curriculum(modules=modules, lessons_per_module=lessons_per_module)
    enrollment = EnrollmentFactory(course=course)
    for lesson in lessons_of(course)[::2]:
        lesson_complete(user=enrollment.user, lesson=lesson)
    return course, enrollment


SIZES = pytest.mark.parametrize(("modules", "lessons_per_module"), [(1, 3), (12, 15)])


@SIZES
def test_course_page_with_progress_queries_are_constant(
    client, django_assert_num_queries, modules, lessons_per_module
):
    course, enrollment = big_or_small(modules, lessons_per_module)
    client.force_login(enrollment.user)
    with django_assert_num_queries(COURSE_PAGE_WITH_PROGRESS_QUERIES):
        response = client.get(course.get_absolute_url())
    assert response.context["page"].curriculum.completed_lesson_ids


@SIZES
def test_text_lesson_with_progress_queries_are_constant(
    client, django_assert_num_queries, modules, lessons_per_module
):
    course, enrollment = big_or_small(modules, lessons_per_module)
    client.force_login(enrollment.user)
    url = lessons_of(course)[-1].get_absolute_url()
    with django_assert_num_queries(TEXT_LESSON_WITH_PROGRESS_QUERIES):
        response = client.get(url)
    assert "Mark as" in response.content.decode()


@SIZES
def test_quiz_lesson_queries_are_constant(client, django_assert_num_queries, modules, lessons_per_module):
    course, enrollment = big_or_small(modules, lessons_per_module)
    quiz = QuizFactory(lesson__module=course.modules.last())
    for _ in range(lessons_per_module):
        question_with_choices(quiz)
    client.force_login(enrollment.user)
    client.post(reverse("learning:quiz_start", args=[course.slug, quiz.lesson.pk]))
    with django_assert_num_queries(QUIZ_LESSON_QUERIES):
        response = client.get(quiz.lesson.get_absolute_url())
    assert "Resume quiz" in response.content.decode()


@SIZES
def test_assignment_lesson_queries_are_constant(
    client, django_assert_num_queries, modules, lessons_per_module
):
    course, enrollment = big_or_small(modules, lessons_per_module)
    lesson = LessonFactory(module=course.modules.last(), kind=Lesson.Kind.ASSIGNMENT)
    for _ in range(3):
        SubmissionFactory(lesson=lesson, user=enrollment.user, status="needs_work")
    client.force_login(enrollment.user)
    with django_assert_num_queries(ASSIGNMENT_LESSON_QUERIES):
        response = client.get(lesson.get_absolute_url())
    assert "Submit assignment" in response.content.decode()


# Session, user, the attempt with quiz/lesson/module/course/user, the student's
# enrollment (may they still open the lesson?), questions, their choices
# (without the correct flags), the unread badge.
QUIZ_TAKE_QUERIES = 7
# Session, user, attempt, the enrollment, quiz, the student's attempts, questions, choices, the badge.
QUIZ_RESULT_QUERIES = 9


@pytest.mark.parametrize("questions", [2, 25])
def test_quiz_pages_queries_do_not_grow_with_the_questions(client, django_assert_num_queries, questions):
    course, enrollment = big_or_small(1, 2)
    quiz = QuizFactory(lesson__module=course.modules.get())
    for _ in range(questions):
        question_with_choices(quiz, choices=4)
    client.force_login(enrollment.user)
    client.post(reverse("learning:quiz_start", args=[course.slug, quiz.lesson.pk]))
    attempt = quiz.attempts.get()
    args = [course.slug, quiz.lesson.pk, attempt.pk]
    with django_assert_num_queries(QUIZ_TAKE_QUERIES):
        response = client.get(reverse("learning:quiz_attempt", args=args))
    assert response.content.decode().count('type="radio"') == questions * 4
    client.post(reverse("learning:quiz_submit", args=args), {})
    with django_assert_num_queries(QUIZ_RESULT_QUERIES):
        response = client.get(reverse("learning:quiz_result", args=args))
    assert "Your result: 0%" in response.content.decode()
