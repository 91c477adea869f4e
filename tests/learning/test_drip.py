"""Scheduled modules (drip, issue 14): a module opens some days after the
student's enrollment or on a date. Until then its lessons are locked on the
server for its students (every lesson URL, GET and POST), the pages say when
it opens, "Complete and continue" does not lead into it, and the course's
instructor and superusers are never locked out. Preview lessons stay open."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from community.discussions.models import Question as DiscussionQuestion
from courses.models import Lesson, Module
from enrollments.models import Enrollment
from enrollments.policies import module_closed_until, module_opens_at
from learning.models import LessonProgress, QuizAttempt, Submission
from learning.selectors.progress import next_step_get
from tests.courses.test_admin import form_data
from tests.factories import (
    EnrollmentFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    SuperuserFactory,
    course_with_curriculum,
)
from tests.learning.factories import QuizFactory, SubmissionFactory, question_with_choices
from tests.learning.test_course_page import ENROLLED_WARM
from tests.learning.test_lesson_access import LESSON_PAGE_WARM
from tests.own_pages import own_pages_renewed

pytestmark = pytest.mark.django_db

SECRET = "Secret content 2.1"


def long_date(day: date) -> str:
    return date_format(day, "j F Y")


def today() -> date:
    return timezone.localdate()


def enroll(course, *, days_ago: int = 0) -> Enrollment:
    enrollment = EnrollmentFactory(course=course)
    if days_ago:
        Enrollment.objects.filter(pk=enrollment.pk).update(
            enrolled_at=timezone.now() - timedelta(days=days_ago)
        )
        enrollment.refresh_from_db()
    return enrollment


def reschedule(course, **schedule) -> None:
    """Module 2's schedule, saved as the admin does (its `updated_at` renews the cached curriculum)."""
    module = Module.objects.get(course=course, title="Module 2")
    for name, value in schedule.items():
        setattr(module, name, value)
    module.save()


def scheduled_course(**schedule):
    """Module 1 open (its first lesson a preview), module 2 scheduled with `schedule`
    (text, quiz and assignment lessons, and one preview)."""
    course = course_with_curriculum(modules=2, lessons_per_module=2)
    later = Module.objects.get(course=course, title="Module 2")
    reschedule(course, **schedule)
    quiz = QuizFactory(lesson__module=later, lesson__order=5, lesson__title="Module 2 quiz")
    question_with_choices(quiz, correct=(0,))
    LessonFactory(module=later, order=6, title="Module 2 essay", kind=Lesson.Kind.ASSIGNMENT)
    LessonFactory(module=later, order=7, title="Module 2 preview", is_preview=True, content="Open to all")
    return course


def lesson_named(course, title: str) -> Lesson:
    return Lesson.objects.select_related("module__course").get(module__course=course, title=title)


def url(name: str, lesson: Lesson, *extra) -> str:
    return reverse(name, args=[lesson.module.course.slug, lesson.pk, *extra])


# --- the rule ------------------------------------------------------------------------


def test_a_module_opens_at_the_start_of_the_day_n_days_after_enrollment_or_on_its_date():
    enrolled_at = datetime(2027, 1, 9, 15, 30, tzinfo=UTC)
    opens = module_opens_at(Module(opens_after_days=3), enrolled_at=enrolled_at)
    assert opens == timezone.make_aware(datetime(2027, 1, 12))
    assert module_opens_at(Module(opens_on=date(2027, 1, 12)), enrolled_at=enrolled_at) == opens
    assert module_opens_at(Module(opens_on=date(2027, 1, 12)), enrolled_at=None) == opens
    # Open with the enrollment; and a days-after module has no date for who is not enrolled.
    assert module_opens_at(Module(), enrolled_at=enrolled_at) is None
    assert module_opens_at(Module(opens_after_days=3), enrolled_at=None) is None


def test_closed_until_the_moment_it_opens_and_never_to_the_course_authors():
    course = course_with_curriculum(modules=1, lessons_per_module=1)
    module = Module(course=course, opens_after_days=3)
    student = EnrollmentFactory(course=course).user
    enrolled_at = datetime(2027, 1, 9, 15, 30, tzinfo=UTC)
    opens = timezone.make_aware(datetime(2027, 1, 12))
    just_before = opens - timedelta(seconds=1)
    assert (
        module_closed_until(student, module, course=course, enrolled_at=enrolled_at, now=just_before) == opens
    )
    assert module_closed_until(student, module, course=course, enrolled_at=enrolled_at, now=opens) is None
    for author in (course.instructor, SuperuserFactory()):
        assert (
            module_closed_until(author, module, course=course, enrolled_at=enrolled_at, now=just_before)
            is None
        )
    # Another instructor enrolled as a student is a student.
    assert (
        module_closed_until(
            InstructorFactory(), module, course=course, enrolled_at=enrolled_at, now=just_before
        )
        == opens
    )


# --- opening --------------------------------------------------------------------------


@pytest.mark.parametrize(("days_ago", "status"), [(0, 403), (2, 403), (3, 200), (10, 200)])
def test_a_module_opens_three_days_after_enrollment(client, days_ago, status):
    course = scheduled_course(opens_after_days=3)
    client.force_login(enroll(course, days_ago=days_ago).user)
    response = client.get(url("courses:lesson", lesson_named(course, "Lesson 2.1")))
    assert response.status_code == status
    assert (SECRET in response.content.decode()) is (status == 200)


@pytest.mark.parametrize(("in_days", "status"), [(-1, 200), (0, 200), (1, 403), (30, 403)])
def test_a_module_opens_on_its_date(client, in_days, status):
    course = scheduled_course(opens_on=today() + timedelta(days=in_days))
    client.force_login(enroll(course, days_ago=60).user)
    response = client.get(url("courses:lesson", lesson_named(course, "Lesson 2.1")))
    assert response.status_code == status


def test_the_refusal_page_says_when_it_opens_and_leads_back_to_the_course(client):
    course = scheduled_course(opens_after_days=3)
    client.force_login(enroll(course, days_ago=1).user)
    response = client.get(url("courses:lesson", lesson_named(course, "Lesson 2.1")))
    html = response.content.decode()
    assert response.status_code == 403
    assert f'This lesson opens on <strong><time datetime="{today() + timedelta(days=2):%Y-%m-%d}">' in html
    assert f"{long_date(today() + timedelta(days=2))}</time></strong> (in 2 days)." in html
    assert f'href="{course.get_absolute_url()}#curriculum-heading"' in html
    assert SECRET not in html


# --- every lesson URL refuses on the server ------------------------------------------


@pytest.fixture
def locked():
    """An enrolled student (with an attempt, a submission and a question from
    before the module was scheduled) and module 2 opening in 5 days."""
    course = scheduled_course()
    student = enroll(course).user
    quiz_lesson = lesson_named(course, "Module 2 quiz")
    essay = lesson_named(course, "Module 2 essay")
    attempt = QuizAttempt.objects.create(
        user=student,
        quiz=quiz_lesson.quiz,
        attempt_number=1,
        started_at=timezone.now(),
        question_order=list(quiz_lesson.quiz.questions.values_list("pk", flat=True)),
    )
    submission = SubmissionFactory(lesson=essay, user=student, file=None)
    asked = DiscussionQuestion.objects.create(
        lesson=lesson_named(course, "Lesson 2.1"),
        author=student,
        title="Early?",
        body="Hi",
        token=uuid.uuid4(),
    )
    reschedule(course, opens_on=today() + timedelta(days=5))
    return {
        "course": course,
        "student": student,
        "text": lesson_named(course, "Lesson 2.1"),
        "quiz": quiz_lesson,
        "essay": essay,
        "attempt": attempt,
        "submission": submission,
        "question": asked,
    }


def _requests(locked):
    text, quiz, essay, attempt = locked["text"], locked["quiz"], locked["essay"], locked["attempt"]
    slug = locked["course"].slug
    question = locked["question"]
    return {
        "lesson page": ("get", url("courses:lesson", text), {}),
        "mark complete": ("post", url("learning:lesson_complete", text), {"then": "next"}),
        "mark not complete": ("post", url("learning:lesson_incomplete", text), {}),
        "quiz lesson page": ("get", url("courses:lesson", quiz), {}),
        "quiz start": ("post", url("learning:quiz_start", quiz), {}),
        "quiz attempt": ("get", url("learning:quiz_attempt", quiz, attempt.pk), {}),
        "quiz submit": ("post", url("learning:quiz_submit", quiz, attempt.pk), {}),
        "quiz result": ("get", url("learning:quiz_result", quiz, attempt.pk), {}),
        "assignment page": ("get", url("courses:lesson", essay), {}),
        "assignment submit": ("post", url("learning:assignment_submit", essay), {"text": "My essay"}),
        "lesson questions": ("get", reverse("community:questions", args=[slug, text.pk]), {}),
        "ask a question": (
            "post",
            reverse("community:questions", args=[slug, text.pk]),
            {"title": "Q", "body": "B", "token": str(uuid.uuid4())},
        ),
        "a question": ("get", reverse("community:question", args=[slug, question.pk]), {}),
        "reply": (
            "post",
            reverse("community:question", args=[slug, question.pk]),
            {"body": "R", "token": str(uuid.uuid4())},
        ),
    }


REQUESTS = [
    "lesson page", "mark complete", "mark not complete", "quiz lesson page", "quiz start", "quiz attempt",
    "quiz submit", "quiz result", "assignment page", "assignment submit", "lesson questions",
    "ask a question", "a question", "reply",
]  # fmt: skip


@pytest.mark.parametrize("name", REQUESTS)
def test_every_lesson_url_refuses_a_lesson_not_open_yet_with_a_403_that_says_when(client, locked, name):
    method, address, data = _requests(locked)[name]
    client.force_login(locked["student"])
    response = getattr(client, method)(address, data)
    assert response.status_code == 403
    assert long_date(today() + timedelta(days=5)) in response.content.decode()
    assert SECRET not in response.content.decode()
    # Nothing was written.
    assert not LessonProgress.objects.filter(user=locked["student"], completed_at__isnull=False).exists()
    assert QuizAttempt.objects.filter(user=locked["student"]).get().submitted_at is None
    assert Submission.objects.filter(user=locked["student"]).get().text == "My essay"
    assert DiscussionQuestion.objects.count() == 1


def test_the_submitted_file_of_a_lesson_not_open_yet_is_refused(client, locked, tmp_path):
    from django.core.files.base import ContentFile

    submission = locked["submission"]
    submission.file.save("essay.txt", ContentFile(b"words"), save=False)
    submission.file_name = "essay.txt"
    submission.save()
    client.force_login(locked["student"])
    response = client.get(reverse("learning:submission_file", args=[submission.pk]))
    assert response.status_code == 403
    assert long_date(today() + timedelta(days=5)) in response.content.decode()


@pytest.mark.parametrize("name", REQUESTS)
def test_once_open_the_same_urls_answer(client, locked, name):
    reschedule(locked["course"], opens_on=today())
    method, address, data = _requests(locked)[name]
    client.force_login(locked["student"])
    response = getattr(client, method)(address, data)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("who", ["instructor", "superuser", "enrolled superuser"])
def test_the_instructor_and_staff_are_never_locked_out(client, locked, who):
    course = locked["course"]
    user = {
        "instructor": lambda: course.instructor,
        "superuser": SuperuserFactory,
        "enrolled superuser": lambda: EnrollmentFactory(course=course, user=SuperuserFactory()).user,
    }[who]()
    client.force_login(user)
    response = client.get(url("courses:lesson", locked["text"]))
    assert response.status_code == 200
    assert SECRET in response.content.decode()
    assert (
        client.get(reverse("community:questions", args=[course.slug, locked["text"].pk])).status_code == 200
    )


def test_a_preview_lesson_of_a_module_not_open_yet_stays_open_to_everyone(client, locked):
    preview = lesson_named(locked["course"], "Module 2 preview")
    assert client.get(url("courses:lesson", preview)).status_code == 200  # anonymous
    client.force_login(locked["student"])
    response = client.get(url("courses:lesson", preview))
    assert response.status_code == 200
    assert "Open to all" in response.content.decode()


def test_a_visitor_who_is_not_enrolled_gets_the_enroll_page_not_the_date(client, locked):
    """Drip applies to students: a visitor's reason is that they are not enrolled."""
    response = client.get(url("courses:lesson", locked["text"]))
    assert response.status_code == 403
    assert "sign up" in response.content.decode().lower()


# --- what the pages show --------------------------------------------------------------


def test_the_course_page_says_when_the_module_opens_and_how_many_lessons(client, locked):
    course = locked["course"]
    opens = long_date(today() + timedelta(days=5))
    client.force_login(locked["student"])
    html = client.get(course.get_absolute_url()).content.decode()
    assert (
        f'data-testid="module-opens">Opens on <time datetime="{today() + timedelta(days=5):%Y-%m-%d}">{opens}'
        in html
    )
    # Two text lessons, the quiz and the essay wait; the preview is open already.
    assert f'4 lessons open on <time datetime="{today() + timedelta(days=5):%Y-%m-%d}">{opens}</time>' in html
    assert "Your progress counts every lesson of the course" in html
    # Its lessons are not links; the preview is.
    assert f'href="{url("courses:lesson", locked["text"])}"' not in html
    assert f'href="{url("courses:lesson", lesson_named(course, "Module 2 preview"))}"' in html
    assert f'href="{url("courses:lesson", lesson_named(course, "Lesson 1.2"))}"' in html


def test_visitors_see_the_rule_and_the_instructor_sees_the_schedule(client):
    course = scheduled_course(opens_after_days=3)
    assert "Opens 3 days after enrolling" in client.get(course.get_absolute_url()).content.decode()
    client.force_login(course.instructor)
    assert "Opens 3 days after enrolling" in client.get(course.get_absolute_url()).content.decode()


def test_the_lesson_sidebar_says_when_the_module_opens_and_does_not_link_its_lessons(client, locked):
    client.force_login(locked["student"])
    html = client.get(url("courses:lesson", lesson_named(locked["course"], "Lesson 1.1"))).content.decode()
    assert f'Opens on <time datetime="{today() + timedelta(days=5):%Y-%m-%d}">' in html
    assert f'href="{url("courses:lesson", locked["text"])}"' not in html


def test_the_percentage_counts_every_lesson_including_those_not_open_yet(client, locked):
    """Documented choice (README, "Scheduled modules"): 2 of 7 lessons is 28 %."""
    client.force_login(locked["student"])
    for title in ("Lesson 1.1", "Lesson 1.2"):
        client.post(url("learning:lesson_complete", lesson_named(locked["course"], title)))
    enrollment = Enrollment.objects.get(user=locked["student"], course=locked["course"])
    assert enrollment.progress_percent == 28


# --- next lesson -------------------------------------------------------------------------


def test_complete_and_continue_stops_at_a_module_not_open_yet_and_says_when(client, locked):
    course = locked["course"]
    last_open = lesson_named(course, "Lesson 1.2")
    client.force_login(locked["student"])
    response = client.post(url("learning:lesson_complete", last_open), {"then": "next"})
    assert response.status_code == 302
    assert response.url == f"{course.get_absolute_url()}#curriculum-heading"
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"The next module, “Module 2”, opens on {long_date(today() + timedelta(days=5))}." in said
    # The completed lesson's page says it too, instead of a "Next lesson" button into the lock.
    html = client.get(url("courses:lesson", last_open)).content.decode()
    assert "The next module opens on" in html
    assert f'href="{url("courses:lesson", locked["text"])}#lesson-title"' not in html


def test_a_passed_quiz_before_a_module_not_open_yet_says_when_it_opens(client, locked):
    course = locked["course"]
    quiz = QuizFactory(lesson__module=course.modules.get(title="Module 1"), lesson__order=9)
    question, choices = question_with_choices(quiz, correct=(0,))
    client.force_login(locked["student"])
    client.post(url("learning:quiz_start", quiz.lesson))
    attempt = QuizAttempt.objects.get(user=locked["student"], quiz=quiz)
    response = client.post(
        url("learning:quiz_submit", quiz.lesson, attempt.pk),
        {f"question_{question.pk}": str(choices[0].pk)},
        follow=True,
    )
    html = response.content.decode()
    assert (
        f'The next module, “Module 2”, opens on <time datetime="{today() + timedelta(days=5):%Y-%m-%d}">'
        in html
    )
    assert (
        f'href="{course.get_absolute_url()}#curriculum-heading" data-testid="next-step">Back to the course'
        in html
    )


def test_next_step_leads_into_the_module_once_open_and_for_the_instructor(locked):
    last_open = lesson_named(locked["course"], "Lesson 1.2")
    step = next_step_get(user=locked["student"], lesson=last_open)
    assert (step.kind, step.title) == ("opens_later", "Module 2")
    assert next_step_get(user=locked["course"].instructor, lesson=last_open).kind == "lesson"
    reschedule(locked["course"], opens_on=today())
    assert next_step_get(user=locked["student"], lesson=last_open).kind == "lesson"


# --- authoring ---------------------------------------------------------------------------


def test_the_database_refuses_both_a_day_count_and_a_date():
    module = ModuleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Module.objects.filter(pk=module.pk).update(opens_after_days=3, opens_on=today())
    with pytest.raises(IntegrityError), transaction.atomic():
        Module.objects.filter(pk=module.pk).update(opens_after_days=0)


def test_the_admin_sets_a_schedule_and_refuses_both_with_a_form_error(client):
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    module = course.modules.get()
    client.force_login(course.instructor)
    change = reverse("admin:courses_module_change", args=[module.pk])
    data = form_data(client.get(change))
    assert "opens_after_days" in data and "opens_on" in data

    both = {**data, "opens_after_days": "3", "opens_on": "2027-01-12"}
    response = client.post(change, both)
    assert response.status_code == 200
    assert "Choose a number of days after enrollment or a date, not both." in response.content.decode()
    module.refresh_from_db()
    assert (module.opens_after_days, module.opens_on) == (None, None)

    response = client.post(change, {**data, "opens_on": "2027-01-12"})
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.opens_on == date(2027, 1, 12)


# --- queries -----------------------------------------------------------------------------


def _every_module_scheduled(course) -> None:
    modules = list(course.modules.order_by("pk"))
    for i, module in enumerate(modules[1:]):
        if i % 2:
            module.opens_after_days = i + 1
        else:
            module.opens_on = today() + timedelta(days=i + 1)
        module.save()


def test_drip_adds_no_query_to_the_course_page(client, django_assert_num_queries):
    course = course_with_curriculum(modules=15, lessons_per_module=4)
    _every_module_scheduled(course)
    student = enroll(course, days_ago=1).user
    client.force_login(student)
    client.get(course.get_absolute_url())  # loads the curriculum into the cache
    own_pages_renewed(student)
    with django_assert_num_queries(ENROLLED_WARM):
        html = client.get(course.get_absolute_url()).content.decode()
    assert html.count('data-testid="module-opens"') == 14


def test_drip_adds_no_query_to_the_lesson_page(client, django_assert_num_queries):
    course = course_with_curriculum(modules=15, lessons_per_module=4)
    _every_module_scheduled(course)
    student = enroll(course, days_ago=1).user
    client.force_login(student)
    first = lesson_named(course, "Lesson 1.2")
    client.get(url("courses:lesson", first))
    own_pages_renewed(student)
    with django_assert_num_queries(LESSON_PAGE_WARM):
        response = client.get(url("courses:lesson", first))
    assert response.content.decode().count('data-testid="module-opens"') == 14
