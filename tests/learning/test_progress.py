"""Lesson progress and course completion: the percentage through lesson adds,
deletes and moves; completion once; who may record progress."""

import pytest
from django.db import connection
from django.urls import reverse

from courses.models import Lesson
from courses.services import lesson_save
from enrollments.models import Enrollment
from learning.models import LessonProgress
from learning.selectors.percentages import progress_current_annotation
from learning.selectors.progress import completed_lesson_ids_get, continue_lesson_id_expression
from learning.services.progress import (
    ProgressNotAllowed,
    course_progress_refresh,
    lesson_complete,
    lesson_incomplete,
)
from notifications.models import Notification
from tests.courses.test_admin import form_data
from tests.factories import EnrollmentFactory, LessonFactory, UserFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))


def completions(user, course) -> int:
    return Notification.objects.filter(user=user, course=course, kind=Notification.Kind.COMPLETED).count()


def complete_all(user, course) -> None:
    for lesson in lessons_of(course):
        lesson_complete(user=user, lesson=lesson)


def continue_of(enrollment) -> int | None:
    """Where "Continue" leads the student (the expression the pages annotate)."""
    return Enrollment.objects.annotate(next_id=continue_lesson_id_expression()).get(pk=enrollment.pk).next_id


def mark_url(lesson, action="complete") -> str:
    return reverse(f"learning:lesson_{action}", args=[lesson.module.course.slug, lesson.pk])


# --- the formula ------------------------------------------------------------------------------------


def test_percentage_is_completed_over_lessons_rounded_down():
    course = course_with_curriculum(modules=1, lessons_per_module=3)
    enrollment = EnrollmentFactory(course=course)
    first, second, _third = lessons_of(course)

    lesson_complete(user=enrollment.user, lesson=first)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33  # 1/3, rounded down

    lesson_complete(user=enrollment.user, lesson=second)
    lesson_complete(user=enrollment.user, lesson=second)  # twice counts once
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 66
    assert LessonProgress.objects.filter(user=enrollment.user).count() == 2

    lesson_incomplete(user=enrollment.user, lesson=first)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33
    assert completed_lesson_ids_get(user=enrollment.user, course=course) == {second.pk}


def test_completion_is_recorded_once_with_one_notification():
    course = course_with_curriculum(modules=2, lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    complete_all(enrollment.user, course)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 100
    completed_at = enrollment.completed_at
    assert completed_at is not None
    assert completions(enrollment.user, course) == 1

    last = lessons_of(course)[-1]
    lesson_incomplete(user=enrollment.user, lesson=last)
    lesson_complete(user=enrollment.user, lesson=last)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 100
    assert enrollment.completed_at == completed_at  # set once
    assert completions(enrollment.user, course) == 1


def test_progress_in_another_course_does_not_count():
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    other = course_with_curriculum(modules=1, lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    EnrollmentFactory(course=other, user=enrollment.user)
    complete_all(enrollment.user, other)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 0
    assert completed_lesson_ids_get(user=enrollment.user, course=course) == frozenset()


# --- curriculum changes ---------------------------------------------------------------------------------


@pytest.fixture
def classroom(instructor):
    """A course of 4 lessons and three students: none, half, all completed."""
    course = course_with_curriculum(modules=2, lessons_per_module=2, instructor=instructor)
    lessons = lessons_of(course)
    fresh, half, done = (EnrollmentFactory(course=course) for _ in range(3))
    for lesson in lessons[:2]:
        lesson_complete(user=half.user, lesson=lesson)
    complete_all(done.user, course)
    return course, fresh, half, done


def percents(*enrollments) -> list[int]:
    """The percentages the students see now (stored, or computed on read while
    the refresh job has not stored them: tests/learning/test_progress_on_read.py)."""
    current = Enrollment.objects.annotate(**progress_current_annotation())
    return [current.get(pk=e.pk).progress_current for e in enrollments]


def test_a_lesson_added_in_the_admin_lowers_everyones_percentage(client, instructor, classroom):
    course, fresh, half, done = classroom
    completed_at = Enrollment.objects.get(pk=done.pk).completed_at
    client.force_login(instructor)
    add = reverse("admin:courses_lesson_add")
    data = form_data(client.get(add))
    data.update({"module": str(course.modules.last().pk), "title": "New", "kind": "text", "duration": "60"})
    assert client.post(add, data).status_code == 302

    assert percents(fresh, half, done) == [0, 40, 80]  # 2/5, 4/5
    done_now = Enrollment.objects.get(pk=done.pk)
    # A finished course stays finished: the date and the one notification remain.
    assert done_now.completed_at == completed_at
    new = Lesson.objects.get(title="New")
    assert continue_of(done) == new.pk

    lesson_complete(user=done.user, lesson=new)
    assert percents(done) == [100]
    assert Enrollment.objects.get(pk=done.pk).completed_at == completed_at
    assert completions(done.user, course) == 1


def test_lessons_added_inline_on_the_module_page_count(client, instructor, classroom):
    course, fresh, half, done = classroom
    module = course.modules.first()
    client.force_login(instructor)
    url = reverse("admin:courses_module_change", args=[module.pk])
    data = form_data(client.get(url))
    data.update(
        {
            "lessons-TOTAL_FORMS": str(int(data["lessons-TOTAL_FORMS"]) + 4),
            **{f"lessons-{i}-title": f"Extra {i}" for i in range(2, 6)},
            **{f"lessons-{i}-kind": "text" for i in range(2, 6)},
            **{f"lessons-{i}-duration": "60" for i in range(2, 6)},
            **{f"lessons-{i}-order": str(i) for i in range(2, 6)},
            **{f"lessons-{i}-module": str(module.pk) for i in range(2, 6)},
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert Lesson.objects.filter(module__course=course).count() == 8
    assert percents(fresh, half, done) == [0, 25, 50]


def test_deleting_lessons_in_the_admin_raises_percentages_and_may_complete(
    client, instructor, classroom, django_capture_on_commit_callbacks
):
    course, fresh, half, done = classroom
    client.force_login(instructor)
    for lesson in lessons_of(course)[2:]:  # the two lessons `half` has not done
        url = reverse("admin:courses_lesson_delete", args=[lesson.pk])
        with django_capture_on_commit_callbacks(execute=True):  # the refresh job runs
            assert client.post(url, {"post": "yes"}).status_code == 302

    assert percents(fresh, half, done) == [0, 100, 100]
    assert Enrollment.objects.get(pk=half.pk).completed_at is not None
    assert completions(half.user, course) == 1
    assert completions(done.user, course) == 1  # not congratulated twice


def test_deleting_a_module_in_the_admin_updates_progress(client, instructor, classroom):
    course, fresh, half, done = classroom
    client.force_login(instructor)
    url = reverse("admin:courses_module_delete", args=[course.modules.first().pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert percents(fresh, half, done) == [0, 0, 100]  # half had done exactly the deleted module


def test_deleting_every_lesson_leaves_zero_not_an_error(
    client, instructor, classroom, django_capture_on_commit_callbacks
):
    course, fresh, half, done = classroom
    client.force_login(instructor)
    ids = [str(pk) for pk in Lesson.objects.filter(module__course=course).values_list("pk", flat=True)]
    with django_capture_on_commit_callbacks(execute=True):  # the refresh job runs
        response = client.post(
            reverse("admin:courses_lesson_changelist"),
            {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        )
    assert response.status_code == 302
    assert percents(fresh, half, done) == [0, 0, 0]
    assert Enrollment.objects.get(pk=done.pk).completed_at is not None


def test_a_lesson_moved_to_another_course_counts_there(client, instructor, classroom):
    course, fresh, half, done = classroom
    target_course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor)
    student_there = EnrollmentFactory(course=target_course, user=half.user)
    moving = lessons_of(course)[0]  # completed by `half` and `done`
    client.force_login(instructor)
    url = reverse("admin:courses_lesson_change", args=[moving.pk])
    data = form_data(client.get(url))
    data["module"] = str(target_course.modules.get().pk)
    assert client.post(url, data).status_code == 302

    assert percents(fresh, half, done) == [0, 33, 100]  # 1/3 and 3/3
    assert percents(student_there) == [50]  # the moved lesson, done, of 2


def test_refresh_runs_a_fixed_number_of_queries_whatever_the_number_of_students(
    django_assert_num_queries,
):
    course = course_with_curriculum(modules=1, lessons_per_module=4)
    lessons = lessons_of(course)
    for _ in range(25):
        lesson_complete(user=EnrollmentFactory(course=course).user, lesson=lessons[0])
    lesson_save(lesson=LessonFactory.build(module=course.modules.get()))  # bumps the revision
    # The stale ids, then per batch of REFRESH_BATCH: savepoint, (on PostgreSQL
    # SET LOCAL jit = off), SELECT … FOR UPDATE of the batch (ids only), one
    # UPDATE, SELECT … FOR UPDATE of those newly at 100 % (none here), release.
    with django_assert_num_queries(6 + (connection.vendor == "postgresql")):
        assert course_progress_refresh(course_ids=[course.pk]) == 25
    with django_assert_num_queries(1):  # nothing stale any more: running it again does nothing
        assert course_progress_refresh(course_ids=[course.pk]) == 0
    assert set(Enrollment.objects.filter(course=course).values_list("progress_percent", flat=True)) == {20}


def test_percentage_never_exceeds_100_even_after_inconsistent_writes():
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    complete_all(enrollment.user, course)
    # A lesson of another course completed directly must not push this one over 100.
    LessonProgress.objects.create(
        user=enrollment.user, lesson=LessonFactory(), completed_at="2026-01-01T00:00Z"
    )
    course_progress_refresh(course_ids=[course.pk])
    assert percents(enrollment) == [100]


# --- getUserProgress and "Continue learning" ----------------------------------------------------------


def test_completed_lessons_and_continue_each_take_one_query(django_assert_num_queries):
    course = course_with_curriculum(modules=3, lessons_per_module=4)
    enrollment = EnrollmentFactory(course=course)
    lessons = lessons_of(course)
    for lesson in [lessons[0], lessons[1], lessons[5]]:
        lesson_complete(user=enrollment.user, lesson=lesson)
    with django_assert_num_queries(1):
        done = completed_lesson_ids_get(user=enrollment.user, course=course)
    assert done == {lessons[0].pk, lessons[1].pk, lessons[5].pk}
    with django_assert_num_queries(1):
        assert continue_of(enrollment) == lessons[2].pk
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 25


def test_continue_goes_to_the_first_lesson_when_all_are_done():
    course = course_with_curriculum(modules=2, lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    complete_all(enrollment.user, course)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 100
    assert continue_of(enrollment) == lessons_of(course)[0].pk


def test_continue_follows_curriculum_order_not_creation_order():
    course = course_with_curriculum(modules=2, lessons_per_module=1)
    first_module = course.modules.order_by("order").first()
    early = LessonFactory(module=first_module, order=0, title="Created last, shown first")
    Lesson.objects.filter(module=first_module).exclude(pk=early.pk).update(order=1)
    enrollment = EnrollmentFactory(course=course)
    assert continue_of(enrollment) == early.pk


def test_continue_of_a_course_without_lessons_is_nowhere():
    enrollment = EnrollmentFactory(course=course_with_curriculum(modules=1, lessons_per_module=0))
    assert continue_of(enrollment) is None


def test_my_learning_continue_link_goes_to_the_first_uncompleted_lesson(client):
    course = course_with_curriculum(modules=2, lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    first, second, third, _ = lessons_of(course)
    lesson_complete(user=enrollment.user, lesson=first)
    lesson_complete(user=enrollment.user, lesson=third)
    client.force_login(enrollment.user)
    html = client.get(reverse("learning:dashboard")).content.decode()
    assert reverse("courses:lesson", args=[course.slug, second.pk]) in html
    assert "50% complete" in html


def test_my_learning_shows_completed_course(client):
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    complete_all(enrollment.user, course)
    client.force_login(enrollment.user)
    html = client.get(reverse("learning:dashboard")).content.decode()
    assert "100% complete" in html and "Course completed" in html
    assert reverse("courses:lesson", args=[course.slug, lessons_of(course)[0].pk]) in html


# --- who may record progress ------------------------------------------------------------------------


def test_enrolled_student_marks_complete_and_not_complete_through_the_page(client):
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    lesson = lessons_of(course)[1]
    client.force_login(enrollment.user)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert f'action="{mark_url(lesson)}"' in html and "Mark as complete" in html

    response = client.post(mark_url(lesson))
    assert response.status_code == 302 and response.url == lesson.get_absolute_url()
    assert percents(enrollment) == [50]
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "Mark as not complete" in html and f'action="{mark_url(lesson, "incomplete")}"' in html

    assert client.post(mark_url(lesson, "incomplete")).status_code == 302
    assert percents(enrollment) == [0]


def test_marking_needs_post_and_csrf(client):
    course = course_with_curriculum(modules=1, lessons_per_module=1)
    enrollment = EnrollmentFactory(course=course)
    lesson = lessons_of(course)[0]
    client.force_login(enrollment.user)
    assert client.get(mark_url(lesson)).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(enrollment.user)
    assert strict.post(mark_url(lesson)).status_code == 403
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize("viewer", ["anonymous", "preview_viewer", "revoked", "instructor"])
def test_only_an_active_enrollment_records_progress(client, viewer):
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    preview = lessons_of(course)[0]
    assert preview.is_preview
    if viewer == "preview_viewer":
        client.force_login(UserFactory())
    elif viewer == "revoked":
        client.force_login(EnrollmentFactory(course=course, status=Enrollment.Status.REVOKED).user)
    elif viewer == "instructor":
        client.force_login(course.instructor)

    response = client.post(mark_url(preview))

    assert response.status_code == 403
    assert "Nothing was recorded" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_a_draft_course_lesson_cannot_be_marked_by_outsiders(client):
    course = course_with_curriculum(modules=1, lessons_per_module=1, status="draft")
    client.force_login(UserFactory())
    assert client.post(mark_url(lessons_of(course)[0])).status_code == 404


@pytest.mark.parametrize("kind", [Lesson.Kind.QUIZ, Lesson.Kind.ASSIGNMENT])
def test_quiz_and_assignment_lessons_are_not_marked_by_hand(client, kind):
    course = course_with_curriculum(modules=1, lessons_per_module=1)
    lesson = LessonFactory(module=course.modules.get(), kind=kind)
    enrollment = EnrollmentFactory(course=course)
    with pytest.raises(ProgressNotAllowed):
        lesson_complete(user=enrollment.user, lesson=lesson)
    client.force_login(enrollment.user)
    assert client.post(mark_url(lesson)).status_code == 403
    assert not LessonProgress.objects.exists()


def test_access_given_back_recomputes_progress_changed_while_revoked():
    """Lessons deleted while a student's access was revoked (a refund): when
    access comes back, their percentage and completion are right at once."""
    from courses.services import lessons_renumber
    from enrollments.services import enrollment_grant, enrollment_revoke

    course = course_with_curriculum(modules=1, lessons_per_module=4)
    enrollment = EnrollmentFactory(course=course)
    done, _rest = lessons_of(course)[:2], lessons_of(course)[2:]
    for lesson in done:
        lesson_complete(user=enrollment.user, lesson=lesson)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 50
    enrollment_revoke(enrollment=enrollment)

    Lesson.objects.filter(pk__in=[lesson.pk for lesson in _rest]).delete()
    lessons_renumber(module=done[0].module)

    enrollment_grant(user=enrollment.user, course=course)

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.progress_percent == 100
    assert enrollment.completed_at is not None
    assert Notification.objects.filter(user=enrollment.user, title="Course completed").count() == 1
