"""The refresh job and a student's own progress write at the same instant end
right, in either order. PostgreSQL only (row locks; SQLite serialises whole
transactions)."""

import threading

import pytest
from django.db import connection

from courses.models import Course
from courses.services import lesson_save
from enrollments.models import Enrollment
from learning.services.progress import course_progress_refresh, lesson_complete
from tests.factories import EnrollmentFactory, LessonFactory, course_with_curriculum
from tests.learning.test_concurrency import in_thread, wait_until_a_backend_waits_for_a_lock

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (select_for_update is a no-op on SQLite); "
        "run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def course_of_students(monkeypatch):
    """A course of 4 lessons and 30 students, each of whom completed the first
    lesson (25 %). The refresh job is run by hand here, not on commit."""
    monkeypatch.setattr("learning.receivers.job_enqueue", lambda *args, **kwargs: None)
    course = course_with_curriculum(modules=1, lessons_per_module=4)
    lessons = list(course.modules.get().lessons.order_by("order"))
    enrollments = [EnrollmentFactory(course=course) for _ in range(30)]
    for enrollment in enrollments:
        lesson_complete(user=enrollment.user, lesson=lessons[0])
    return course, lessons, enrollments


def test_a_student_write_from_before_the_change_committed_during_the_job_ends_right(course_of_students):
    # The student's write computed 2/4 = 50 % for the old curriculum and holds its
    # row when the instructor adds a fifth lesson; the job then starts and must
    # not keep 50 %, nor compute without the student's lesson: 2/5 = 40 %.
    course, lessons, enrollments = course_of_students
    student = enrollments[14]
    holding, release = threading.Event(), threading.Event()
    thread, outcome = in_thread(
        lambda: lesson_complete(user=student.user, lesson=lessons[1]), holding=holding, release=release
    )
    assert holding.wait(timeout=10)
    lesson_save(lesson=LessonFactory.build(module=lessons[0].module))  # commits: a new revision
    job, job_outcome = in_thread(lambda: course_progress_refresh(course_ids=[course.pk], batch=10))
    wait_until_a_backend_waits_for_a_lock()  # the job waits for the student's row
    release.set()
    thread.join(timeout=30)
    job.join(timeout=30)

    assert outcome == ["ok"] and job_outcome == ["ok"], (outcome, job_outcome)
    revision = Course.objects.get(pk=course.pk).curriculum_revision
    rows = dict(Enrollment.objects.filter(course=course).values_list("pk", "progress_percent"))
    assert rows.pop(student.pk) == 40
    assert set(rows.values()) == {20}  # 1/5 for everyone else
    assert set(Enrollment.objects.filter(course=course).values_list("progress_revision", flat=True)) == {
        revision
    }


def test_a_student_write_while_the_job_holds_a_batch_counts_the_new_lesson(course_of_students):
    course, lessons, enrollments = course_of_students
    student = enrollments[3]
    lesson_save(lesson=LessonFactory.build(module=lessons[0].module))
    holding, release = threading.Event(), threading.Event()
    job, job_outcome = in_thread(
        lambda: course_progress_refresh(course_ids=[course.pk], batch=10), holding=holding, release=release
    )
    assert holding.wait(timeout=10)  # the job ran inside a transaction still open: its locks are held
    thread, outcome = in_thread(lambda: lesson_complete(user=student.user, lesson=lessons[1]))
    wait_until_a_backend_waits_for_a_lock()
    release.set()
    job.join(timeout=30)
    thread.join(timeout=30)

    assert outcome == ["ok"] and job_outcome == ["ok"], (outcome, job_outcome)
    assert Enrollment.objects.get(pk=student.pk).progress_percent == 40
    assert course_progress_refresh(course_ids=[course.pk]) == 0  # nothing left stale
