"""A curriculum change on a course with many students: the instructor's request
only bumps the course's curriculum revision (a fixed number of statements,
whatever the number of students), every student sees the new percentage as
soon as they look (computed on read while the refresh job has not stored it),
and the job stores exactly what they saw."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Lesson
from enrollments.models import Enrollment
from learning.services.progress import course_progress_refresh, lesson_complete
from learning.tasks import progress_refresh
from tests.courses.test_admin import form_data
from tests.factories import EnrollmentFactory, UserFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).in_curriculum().in_curriculum_order())


def stored(*enrollments) -> list[int]:
    return [Enrollment.objects.get(pk=e.pk).progress_percent for e in enrollments]


def add_lesson_in_the_admin(client, course, title="New"):
    add = reverse("admin:courses_lesson_add")
    data = form_data(client.get(add))
    data.update({"module": str(course.modules.last().pk), "title": title, "kind": "text", "duration": "60"})
    response = client.post(add, data)
    assert response.status_code == 302


@pytest.fixture
def classroom(instructor):
    """A course of 4 lessons; a student who did 2 of them (50 %), one who did all (100 %)."""
    course = course_with_curriculum(modules=2, lessons_per_module=2, instructor=instructor)
    half, done = EnrollmentFactory(course=course), EnrollmentFactory(course=course)
    for lesson in lessons_of(course)[:2]:
        lesson_complete(user=half.user, lesson=lesson)
    for lesson in lessons_of(course):
        lesson_complete(user=done.user, lesson=lesson)
    return course, half, done


def test_students_see_the_new_percentage_before_the_job_runs_and_the_job_stores_it(
    client, instructor, classroom
):
    course, half, done = classroom
    client.force_login(instructor)
    add_lesson_in_the_admin(client, course)  # the job's on_commit never runs in this test's transaction
    assert stored(half, done) == [50, 100]  # not stored yet

    client.force_login(half.user)
    page = client.get(course.get_absolute_url())
    assert page.context["page"].enrollment.progress_percent == 40  # 2/5
    assert "40%" in page.content.decode()
    assert "40% complete" in client.get(reverse("learning:dashboard")).content.decode()
    client.force_login(done.user)
    assert "80% complete" in client.get(reverse("learning:dashboard")).content.decode()  # 4/5
    # Not at 100 % any more: the course-completed page sends them to the course page.
    assert client.get(reverse("learning:course_completed", args=[course.slug])).status_code == 302

    assert progress_refresh.call(course_ids=[course.pk]) == 2
    assert stored(half, done) == [40, 80]
    assert set(Enrollment.objects.filter(course=course).values_list("progress_revision", flat=True)) == {
        course.__class__.objects.get(pk=course.pk).curriculum_revision
    }
    # A completed course stays completed (its date and certificate), as before.
    assert Enrollment.objects.get(pk=done.pk).completed_at is not None


def test_a_lesson_archived_leaves_students_at_their_new_percentage_on_every_page(
    client, instructor, classroom, django_capture_on_commit_callbacks
):
    course, half, _done = classroom
    untouched = lessons_of(course)[-1]
    client.force_login(instructor)
    assert (
        client.post(reverse("admin:courses_lesson_delete", args=[untouched.pk]), {"post": "yes"}).status_code
        == 302
    )
    client.force_login(half.user)
    assert "66% complete" in client.get(reverse("learning:dashboard")).content.decode()  # 2/3
    lesson_page = client.get(lessons_of(course)[0].get_absolute_url())
    assert lesson_page.context["page"].enrollment.progress_percent == 66

    # The teaching pages read the same rule.
    client.force_login(instructor)
    students = client.get(reverse("teaching:students", args=[course.slug]) + "?sort=-progress")
    assert [row.enrollment.progress_percent for row in students.context["rows"]] == [100, 66]


def test_the_instructors_request_runs_the_same_statements_for_10_or_200_students(client, instructor):
    counts = []
    for size in (10, 200):
        course = course_with_curriculum(modules=1, lessons_per_module=3, instructor=instructor)
        students = UserFactory.create_batch(size)
        Enrollment.objects.bulk_create(Enrollment(user=user, course=course) for user in students)
        client.force_login(instructor)
        add = reverse("admin:courses_lesson_add")
        data = form_data(client.get(add))
        data.update(
            {"module": str(course.modules.get().pk), "title": "New", "kind": "text", "duration": "60"}
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.post(add, data).status_code == 302
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_students_own_write_stores_the_current_revision(client, instructor, classroom):
    course, half, _done = classroom
    client.force_login(instructor)
    add_lesson_in_the_admin(client, course)
    new = Lesson.objects.get(title="New")
    lesson_complete(user=half.user, lesson=new)
    enrollment = Enrollment.objects.get(pk=half.pk)
    assert enrollment.progress_percent == 60  # 3/5, stored by the student's own write
    assert enrollment.progress_revision == course.__class__.objects.get(pk=course.pk).curriculum_revision
    assert course_progress_refresh(course_ids=[course.pk]) == 1  # only the other student was stale


@pytest.mark.parametrize("cards", [1, 12])
def test_my_learning_reads_the_cards_with_their_current_progress_in_one_query(
    client, instructor, django_assert_num_queries, cards
):
    from courses.services import lesson_save
    from tests.factories import LessonFactory
    from tests.learning.test_dashboard import DASHBOARD_QUERIES

    student = UserFactory()
    for _ in range(cards):
        course = course_with_curriculum(modules=1, lessons_per_module=4, instructor=instructor)
        EnrollmentFactory(user=student, course=course)
        lesson_complete(user=student, lesson=lessons_of(course)[0])  # 25 %
        lesson_save(lesson=LessonFactory.build(module=course.modules.get()))  # now 1/5, not stored
    assert set(Enrollment.objects.filter(user=student).values_list("progress_percent", flat=True)) == {25}
    client.force_login(student)
    # Session, user, the cards with their figures and current progress (one query), unread badge.
    with django_assert_num_queries(DASHBOARD_QUERIES):
        html = client.get(reverse("learning:dashboard")).content.decode()
    assert html.count("20% complete") == cards and "25% complete" not in html
