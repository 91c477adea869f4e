"""The attempt limit and "graded once" under real concurrency: several threads,
each with its own database connection, hit the same quiz at once. Row locks
are a PostgreSQL matter (SQLite serialises whole transactions), so these run
there only."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from courses.models import Quiz
from learning.models import LessonProgress, QuizAttempt
from learning.services.quizzes import QuizNotAvailable, quiz_attempt_start, quiz_attempt_submit
from notifications.models import Notification
from tests.learning.factories import quiz_course

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (select_for_update is a no-op on SQLite); "
        "run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def run_together(target, count=THREADS) -> list:
    """Run `target(i)` in `count` threads released at the same instant; return
    what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def answers(quiz, *, right: bool) -> dict[str, list[str]]:
    return {
        f"question_{q.pk}": [str(next(c.pk for c in q.choices.all() if c.is_correct is right))]
        for q in quiz.questions.all()
    }


def _quiz(pk):
    return Quiz.objects.select_related("lesson__module").get(pk=pk)


def test_two_tabs_starting_at_once_get_one_attempt():
    quiz, enrollment = quiz_course(max_attempts=1)
    user = enrollment.user

    results = run_together(lambda i: quiz_attempt_start(user=user, quiz=_quiz(quiz.pk)).pk)

    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert QuizAttempt.objects.filter(quiz=quiz).count() == 1


def test_the_attempt_limit_holds_when_every_tab_starts_and_submits_at_once():
    quiz, enrollment = quiz_course(max_attempts=2)
    user = enrollment.user

    def start_and_submit(i):
        done = 0
        for _ in range(3):
            try:
                attempt = quiz_attempt_start(user=user, quiz=_quiz(quiz.pk))
            except QuizNotAvailable:
                break
            attempt = QuizAttempt.objects.select_related("quiz__lesson__module", "user").get(pk=attempt.pk)
            quiz_attempt_submit(attempt=attempt, data=_querydict(answers(attempt.quiz, right=False)))
            done += 1
        return done

    results = run_together(start_and_submit)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert QuizAttempt.objects.filter(quiz=quiz).count() == 2
    assert list(QuizAttempt.objects.filter(quiz=quiz).values_list("attempt_number", flat=True)) == [1, 2]
    assert not QuizAttempt.objects.filter(quiz=quiz, submitted_at__isnull=True).exists()


def test_a_double_click_on_submit_grades_once_and_completes_once(live_client_for):
    quiz, enrollment = quiz_course(max_attempts=1)
    client = live_client_for(enrollment.user)
    args = [quiz.lesson.module.course.slug, quiz.lesson.pk]
    client.post(reverse("learning:quiz_start", args=args))
    attempt = QuizAttempt.objects.get(quiz=quiz)
    url = reverse("learning:quiz_submit", args=[*args, attempt.pk])
    data = answers(quiz, right=True)

    def click(i):
        c = live_client_for(enrollment.user)
        return c.post(url, data).status_code

    results = run_together(click)

    assert results == [302] * THREADS
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score == 100
    assert QuizAttempt.objects.filter(quiz=quiz).count() == 1
    assert LessonProgress.objects.filter(user=enrollment.user, completed_at__isnull=False).count() == 1


def test_completion_is_notified_once_when_the_last_lessons_finish_together():
    from learning.services.progress import lesson_complete
    from tests.factories import EnrollmentFactory, course_with_curriculum

    course = course_with_curriculum(modules=1, lessons_per_module=THREADS)
    enrollment = EnrollmentFactory(course=course)
    lessons = list(course.modules.get().lessons.all())

    results = run_together(lambda i: lesson_complete(user=enrollment.user, lesson=lessons[i]).pk)

    assert not [r for r in results if isinstance(r, Exception)], results
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 100
    assert Notification.objects.filter(user=enrollment.user, kind=Notification.Kind.COMPLETED).count() == 1


def _querydict(data):
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for key, values in data.items():
        q.setlist(key, values)
    return q


@pytest.fixture
def live_client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


# --- a curriculum change and a student's own progress at the same instant ------------------------


def wait_until_a_backend_waits_for_a_lock(timeout: float = 10.0) -> None:
    """Block until another connection of this database is waiting on a row lock:
    the moment the second transaction has reached the first one's lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second transaction never waited for the first one's lock")


def in_thread(target, *, holding: threading.Event | None = None, release: threading.Event | None = None):
    """Run `target()` in a transaction in a thread with its own connection. With
    `holding`/`release`: signal after `target()` and keep the transaction (and its
    locks) open until released. Returns (thread, outcome list)."""
    outcome: list = []

    def run():
        try:
            with transaction.atomic():
                target()
                if holding is not None:
                    holding.set()
                    release.wait(timeout=30)
            outcome.append("ok")
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.fixture
def half_done():
    """A course of four lessons, a student who completed the first one (25 %)."""
    from learning.services.progress import lesson_complete
    from tests.factories import EnrollmentFactory, course_with_curriculum

    course = course_with_curriculum(modules=1, lessons_per_module=4)
    enrollment = EnrollmentFactory(course=course)
    lessons = list(course.modules.get().lessons.all())
    lesson_complete(user=enrollment.user, lesson=lessons[0])
    return enrollment, lessons


def _add_a_lesson_and_refresh(module):
    # The admin's write (a new curriculum revision) and, in the same transaction
    # here, the refresh its job runs.
    from courses.services import lesson_save
    from learning.services.progress import course_progress_refresh
    from tests.factories import LessonFactory

    lesson_save(lesson=LessonFactory.build(module=module))
    course_progress_refresh(course_ids=[module.course_id])


def test_a_refresh_that_starts_while_a_student_completes_a_lesson_counts_that_lesson(half_done):
    # The student's transaction holds their enrollment lock (lesson 2 done, not yet
    # committed) when the instructor adds a fifth lesson. The refresh must wait for
    # the student and count their lesson: 2/5 = 40 %, not 1/5 = 20 %.
    from learning.services.progress import lesson_complete

    enrollment, lessons = half_done
    module = lessons[0].module
    holding, release = threading.Event(), threading.Event()
    student, student_outcome = in_thread(
        lambda: lesson_complete(user=enrollment.user, lesson=lessons[1]), holding=holding, release=release
    )
    assert holding.wait(timeout=10)
    refresh, refresh_outcome = in_thread(lambda: _add_a_lesson_and_refresh(module))
    wait_until_a_backend_waits_for_a_lock()
    release.set()
    student.join(timeout=30)
    refresh.join(timeout=30)

    assert student_outcome == ["ok"] and refresh_outcome == ["ok"], (student_outcome, refresh_outcome)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 40


def test_a_student_who_completes_a_lesson_while_a_refresh_runs_sees_the_new_lesson(half_done):
    # The other order: the refresh (a fifth lesson) holds its locks when the student
    # marks lesson 2; the student waits and then counts five lessons.
    from learning.services.progress import lesson_complete

    enrollment, lessons = half_done
    module = lessons[0].module
    holding, release = threading.Event(), threading.Event()
    refresh, refresh_outcome = in_thread(
        lambda: _add_a_lesson_and_refresh(module), holding=holding, release=release
    )
    assert holding.wait(timeout=10)
    student, student_outcome = in_thread(lambda: lesson_complete(user=enrollment.user, lesson=lessons[1]))
    wait_until_a_backend_waits_for_a_lock()
    release.set()
    refresh.join(timeout=30)
    student.join(timeout=30)

    assert student_outcome == ["ok"] and refresh_outcome == ["ok"], (student_outcome, refresh_outcome)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 40
