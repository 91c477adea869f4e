"""`Course.curriculum_revision` counts changes of the list of lessons: percentages
computed for an older number are recomputed. Saving a course read before a
lesson was added must not put the older number back (students' stale
percentages would then pass for current ones)."""

import pytest

from courses.models import Course, Lesson
from courses.services import course_save, lesson_save
from tests.factories import CourseFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db


def test_saving_a_course_read_before_a_lesson_was_added_keeps_the_new_revision():
    course = CourseFactory(status=Course.Status.DRAFT)
    module = ModuleFactory(course=course)
    LessonFactory(module=module)
    stale = Course.objects.get(pk=course.pk)
    before = stale.curriculum_revision

    lesson_save(lesson=Lesson(module=module, title="Added meanwhile", kind=Lesson.Kind.TEXT))
    stale.title = "Renamed in the admin"
    course_save(course=stale, author=course.instructor)

    course.refresh_from_db()
    assert course.title == "Renamed in the admin"
    assert course.curriculum_revision == before + 1
