"""A lesson deleted in the admin at the instant a student completes it: the
student's row is never lost and the deletion never fails. The removal locks
the lesson first; a student's write holds a key-share lock on it (the foreign
key check), so the removal waits for it, then sees the work and archives.
Row locks are a PostgreSQL matter: these run there only, with real threads."""

import threading
import time

import pytest
from django.db import connection, transaction

from courses.models import Lesson, Module
from courses.services import lessons_delete_or_archive, modules_delete_or_archive
from enrollments.models import Enrollment
from learning.models import LessonProgress
from learning.services.progress import lesson_complete
from tests.factories import EnrollmentFactory, course_with_curriculum

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (select_for_update is a no-op on SQLite); run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]


def _while_a_student_completes(lesson, enrollment, removal):
    """The student's transaction writes its progress and stays open; `removal()`
    starts in another thread; then the student commits. Returns (removal's
    result or error, whether the removal waited for the student)."""
    written, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def student():
        try:
            with transaction.atomic():
                lesson_complete(
                    user=enrollment.user, lesson=Lesson.objects.select_related("module").get(pk=lesson.pk)
                )
                written.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def instructor():
        try:
            outcome["result"] = removal()
        except Exception as error:
            outcome["result"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=student), threading.Thread(target=instructor)]
    threads[0].start()
    assert written.wait(timeout=30)
    threads[1].start()
    time.sleep(0.5)
    waited = threads[1].is_alive()  # blocked on the lesson's row lock
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    return outcome["result"], waited


def test_a_lesson_deleted_while_a_student_completes_it_is_archived_and_keeps_the_row():
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    lesson = Lesson.objects.filter(module__course=course).order_by("order").first()
    enrollment = EnrollmentFactory(course=course)

    result, waited = _while_a_student_completes(
        lesson, enrollment, lambda: lessons_delete_or_archive(lessons=Lesson.objects.filter(pk=lesson.pk))
    )

    assert waited
    assert not isinstance(result, Exception), result
    assert [archived.pk for archived in result.archived] == [lesson.pk]
    assert Lesson.objects.get(pk=lesson.pk).archived_at is not None
    assert LessonProgress.objects.filter(
        lesson=lesson, user=enrollment.user, completed_at__isnull=False
    ).exists()
    assert Enrollment.objects.get(pk=enrollment.pk).progress_percent == 0  # 0 of the 1 lesson left


def test_a_module_deleted_while_a_student_completes_one_of_its_lessons_is_archived():
    course = course_with_curriculum(modules=2, lessons_per_module=2)
    module = Module.objects.filter(course=course).order_by("order").first()
    lesson = module.lessons.order_by("order").last()
    enrollment = EnrollmentFactory(course=course)

    result, waited = _while_a_student_completes(
        lesson, enrollment, lambda: modules_delete_or_archive(modules=Module.objects.filter(pk=module.pk))
    )

    assert waited
    assert not isinstance(result, Exception), result
    assert Module.objects.get(pk=module.pk).archived_at is not None
    assert LessonProgress.objects.filter(lesson=lesson, user=enrollment.user).exists()
