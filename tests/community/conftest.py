import pytest
from django.urls import reverse

from courses.models import Lesson
from learning.services.progress import lesson_complete
from tests.factories import EnrollmentFactory, UserFactory, course_with_curriculum


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).in_curriculum_order())


def student_at(course, percent: int, user=None, **user_fields):
    """An enrolled student (`user`, or a new one) who completed `percent` % of
    the 10-lesson `course`."""
    enrollment = EnrollmentFactory(course=course, user=user or UserFactory(**user_fields))
    for lesson in lessons_of(course)[: percent // 10]:
        lesson_complete(user=enrollment.user, lesson=lesson)
    enrollment.refresh_from_db()
    return enrollment


def reviews_url(course, *parts) -> str:
    return reverse("community:reviews", args=[course.slug]) + "".join(parts)


@pytest.fixture
def course(instructor):
    """A published course of 10 lessons (each is 10 %)."""
    return course_with_curriculum(
        modules=2, lessons_per_module=5, instructor=instructor, title="Rust in Practice"
    )
