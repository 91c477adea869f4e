"""Two moves in one course at the same instant (two tabs, or two authors of a
course): they queue on the course row, and the curriculum keeps a dense order
with every lesson exactly once. Row locks are a PostgreSQL matter: these run
there only, with real threads."""

import threading

import pytest
from django.db import connection

from courses.models import Lesson, Module
from courses.services import lesson_move, module_move
from tests.factories import course_with_curriculum

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (select_for_update is a no-op on SQLite); run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]


def _at_once(*moves) -> list:
    """Run each move in its own thread and connection, released together."""
    start = threading.Barrier(len(moves))
    errors: list = []

    def run(move):
        try:
            start.wait(timeout=30)
            move()
        except Exception as error:  # collected: the test shows it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(move,)) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_lesson_and_module_moves_leave_a_dense_curriculum(instructor):
    course = course_with_curriculum(modules=3, lessons_per_module=4, instructor=instructor)
    first, second, third = course.modules.all()
    a, b = first.lessons.all()[:2]
    c = second.lessons.last()
    errors = _at_once(
        lambda: lesson_move(lesson=Lesson.objects.get(pk=a.pk), module=second, position=0, by=instructor),
        lambda: lesson_move(lesson=Lesson.objects.get(pk=b.pk), module=third, position=1, by=instructor),
        lambda: lesson_move(lesson=Lesson.objects.get(pk=c.pk), module=first, position=0, by=instructor),
        lambda: module_move(module=Module.objects.get(pk=third.pk), position=0, by=instructor),
    )
    assert errors == []
    assert Lesson.objects.filter(module__course=course).count() == 12
    for module in course.modules.all():
        orders = list(module.lessons.order_by("order").values_list("order", flat=True))
        assert orders == list(range(len(orders))), module
    assert list(course.modules.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]
    assert list(course.modules.values_list("order", flat=True)) == [0, 1, 2]
    assert Lesson.objects.get(pk=a.pk).module_id == second.pk
    assert Lesson.objects.get(pk=b.pk).module_id == third.pk
    assert Lesson.objects.get(pk=c.pk).module_id == first.pk
