"""My learning's cards come from one query, with no subquery per card over
lessons or progress (learning/selectors/cards.py), and say what the other pages
say: where "Continue" leads (`continue_lesson_id_expression`'s rule), the
percentage computed on read while the stored one is of an older curriculum
(`progress_current_annotation`'s rule), the certificate, and the card figures
of the catalogue."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.catalogue import card_stat_names, catalogue_courses
from courses.models import Course, Lesson, Module
from courses.services import lesson_save
from enrollments.models import Enrollment
from learning.models import Certificate, LessonProgress
from learning.selectors.percentages import progress_current_annotation
from learning.selectors.progress import continue_lesson_id_expression
from learning.services.progress import lesson_complete
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    UserFactory,
    course_with_curriculum,
)
from tests.learning.test_dashboard import DASHBOARD_QUERIES

pytestmark = pytest.mark.django_db


def lesson(course, title: str) -> Lesson:
    return Lesson.objects.get(module__course=course, title=title)


def complete(user, course, *titles: str) -> None:
    for title in titles:
        lesson_complete(user=user, lesson=lesson(course, title))


def my_learning(client, user) -> tuple[dict[str, Enrollment], str]:
    client.force_login(user)
    response = client.get(reverse("learning:dashboard"))
    return {card.course.title: card for card in response.context["enrollments"]}, response.content.decode()


def continue_url(course, title: str) -> str:
    return reverse("courses:lesson", args=[course.slug, lesson(course, title).pk])


def test_continue_leads_to_the_first_lesson_not_completed_in_curriculum_order(client, student):
    gap = course_with_curriculum(title="Gap")
    EnrollmentFactory(user=student, course=gap)
    complete(student, gap, "Lesson 1.1", "Lesson 1.3")

    # Module 2 comes first, and in it lesson 2.3 before 2.1; 2.1 and 2.2 tie, the pk decides.
    reordered = course_with_curriculum(title="Reordered")
    EnrollmentFactory(user=student, course=reordered)
    Module.objects.filter(course=reordered, title="Module 2").update(order=0)
    Module.objects.filter(course=reordered, title="Module 1").update(order=1)
    Lesson.objects.filter(module__course=reordered, title="Lesson 2.3").update(order=0)
    Lesson.objects.filter(module__course=reordered, title__in=["Lesson 2.1", "Lesson 2.2"]).update(order=1)
    complete(student, reordered, "Lesson 2.3")

    done = course_with_curriculum(title="Done", modules=1, lessons_per_module=2)
    EnrollmentFactory(user=student, course=done)
    complete(student, done, "Lesson 1.1", "Lesson 1.2")

    untouched = course_with_curriculum(title="Untouched")
    EnrollmentFactory(user=student, course=untouched)
    complete(EnrollmentFactory(course=untouched).user, untouched, "Lesson 1.1")  # someone else's progress

    cards, html = my_learning(client, student)

    assert cards["Gap"].continue_lesson_id == lesson(gap, "Lesson 1.2").pk
    assert cards["Reordered"].continue_lesson_id == lesson(reordered, "Lesson 2.1").pk
    assert cards["Done"].continue_lesson_id == lesson(done, "Lesson 1.1").pk  # every one done: the first
    assert cards["Untouched"].continue_lesson_id == lesson(untouched, "Lesson 1.1").pk
    for course, title in [(gap, "Lesson 1.2"), (reordered, "Lesson 2.1"), (done, "Lesson 1.1")]:
        assert continue_url(course, title) in html
    assert_continue_as_the_course_page(cards)


def test_continue_skips_archived_lessons_and_modules_and_leads_into_a_module_not_open_yet(client, student):
    archived = course_with_curriculum(title="Archived")
    EnrollmentFactory(user=student, course=archived)
    now = timezone.now()
    Lesson.objects.filter(module__course=archived, title="Lesson 1.1").update(archived_at=now)
    complete(student, archived, "Lesson 1.2")
    Lesson.objects.filter(module__course=archived, title="Lesson 1.3").update(archived_at=now)

    module_archived = course_with_curriculum(title="Module archived")
    EnrollmentFactory(user=student, course=module_archived)
    Module.objects.filter(course=module_archived, title="Module 1").update(archived_at=now)

    # Drip, as every page has it: "Continue" leads to the lesson, whose page says when it opens.
    drip = course_with_curriculum(title="Drip", modules=2, lessons_per_module=1)
    EnrollmentFactory(user=student, course=drip)
    complete(student, drip, "Lesson 1.1")
    Module.objects.filter(course=drip, title="Module 2").update(opens_on=now.date() + timedelta(days=7))

    empty = CourseFactory(title="Empty")
    Module.objects.create(course=empty, title="No lessons yet", order=0)
    EnrollmentFactory(user=student, course=empty)

    cards, html = my_learning(client, student)

    assert cards["Archived"].continue_lesson_id == lesson(archived, "Lesson 2.1").pk
    assert cards["Module archived"].continue_lesson_id == lesson(module_archived, "Lesson 2.1").pk
    assert cards["Drip"].continue_lesson_id == lesson(drip, "Lesson 2.1").pk
    assert cards["Empty"].continue_lesson_id is None
    assert html.count(">Continue<") == 3
    assert_continue_as_the_course_page(cards)


def assert_continue_as_the_course_page(cards: dict[str, Enrollment]) -> None:
    """The cards lead where the course page and "Complete and continue" lead."""
    expected = dict(
        Enrollment.objects.filter(pk__in=[card.pk for card in cards.values()])
        .annotate(next_id=continue_lesson_id_expression())
        .values_list("pk", "next_id")
    )
    assert {card.pk: card.continue_lesson_id for card in cards.values()} == expected


def test_the_percentage_is_computed_on_read_while_the_stored_one_is_of_an_older_curriculum(client, student):
    added = course_with_curriculum(title="Lesson added", modules=1, lessons_per_module=4)
    EnrollmentFactory(user=student, course=added)
    complete(student, added, "Lesson 1.1", "Lesson 1.2")  # 50 %, stored
    lesson_save(lesson=LessonFactory.build(module=added.modules.get()))  # now 2/5; the job has not run

    archived = course_with_curriculum(title="Lesson archived", modules=1, lessons_per_module=4)
    EnrollmentFactory(user=student, course=archived)
    complete(student, archived, "Lesson 1.1", "Lesson 1.2", "Lesson 1.3")  # 75 %, stored
    # A completed lesson leaves the curriculum: 2 of the 3 left.
    Lesson.objects.filter(module__course=archived, title="Lesson 1.1").update(archived_at=timezone.now())
    Course.objects.filter(pk=archived.pk).update(curriculum_revision=F("curriculum_revision") + 1)

    # Current: the stored percentage is believed, whatever the rows say.
    EnrollmentFactory(user=student, course=course_with_curriculum(title="Current"), progress_percent=40)

    cards, html = my_learning(client, student)

    assert set(Enrollment.objects.filter(user=student).values_list("progress_percent", flat=True)) == {
        50,
        75,
        40,
    }
    assert {title: card.progress_percent for title, card in cards.items()} == {
        "Lesson added": 40,
        "Lesson archived": 66,
        "Current": 40,
    }
    assert "66% complete" in html and "75% complete" not in html and "50% complete" not in html
    expected = dict(
        Enrollment.objects.filter(user=student)
        .annotate(**progress_current_annotation())
        .values_list("pk", "progress_current")
    )
    assert {card.pk: card.progress_percent for card in cards.values()} == expected


def test_a_completed_course_links_its_certificate_and_no_other_card_does(client, student):
    finished = course_with_curriculum(title="Finished", modules=1, lessons_per_module=2)
    enrollment = EnrollmentFactory(user=student, course=finished)
    complete(student, finished, "Lesson 1.1", "Lesson 1.2")
    certificate = Certificate.objects.get(enrollment=enrollment)
    EnrollmentFactory(user=student, course=course_with_curriculum(title="Halfway"))
    other = EnrollmentFactory(
        course=course_with_curriculum(title="Someone else's", modules=1, lessons_per_module=1)
    )
    complete(other.user, other.course, "Lesson 1.1")
    assert Certificate.objects.filter(enrollment=other).exists()

    cards, html = my_learning(client, student)

    assert cards["Finished"].certificate_code == certificate.code
    assert cards["Halfway"].certificate_code is None
    assert html.count('data-testid="certificate-link"') == 1
    assert f'href="{certificate.get_absolute_url()}" data-testid="certificate-link"' in html


def test_the_card_figures_are_the_catalogues(client, student):
    course = course_with_curriculum(title="Figures", modules=3, lessons_per_module=3)
    now = timezone.now()
    Lesson.objects.filter(module__course=course, title="Lesson 1.2").update(archived_at=now)
    Module.objects.filter(course=course, title="Module 3").update(archived_at=now)
    EnrollmentFactory(user=student, course=course)
    EnrollmentFactory(course=course)
    EnrollmentFactory(course=course, status=Enrollment.Status.REVOKED)
    EnrollmentFactory(user=student, course=CourseFactory(title="No curriculum"))

    cards, html = my_learning(client, student)

    card = cards["Figures"].course
    catalogue = catalogue_courses().get(pk=course.pk)
    assert {name: getattr(card, name) for name in card_stat_names()} == {
        name: getattr(catalogue, name) for name in card_stat_names()
    }
    assert (card.lesson_count, card.total_duration, card.student_count) == (5, 60 + 180 + 60 + 120 + 180, 2)
    assert "5 lessons" in html and "2 students" in html
    empty = cards["No curriculum"]
    assert (empty.course.lesson_count, empty.course.total_duration, empty.progress_percent) == (0, 0, 0)


@pytest.mark.parametrize("enrollments", [1, 8])
def test_one_query_reads_the_cards_joining_lessons_and_progress_once(client, student, enrollments):
    for n in range(enrollments):
        course = course_with_curriculum(modules=2, lessons_per_module=3)
        EnrollmentFactory(user=student, course=course)
        complete(student, course, "Lesson 1.1")
        LessonProgress.objects.create(
            user=UserFactory(), lesson=lesson(course, "Lesson 1.2"), completed_at=None
        )
        if n % 2:  # stale: computed on read
            lesson_save(lesson=LessonFactory.build(module=course.modules.first()))
    client.force_login(student)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("learning:dashboard"))
    assert len(queries) == DASHBOARD_QUERIES
    assert len(response.context["enrollments"]) == enrollments
    [cards] = [query["sql"] for query in queries if "learning_lessonprogress" in query["sql"]]
    # One join of the lessons, their modules and the student's progress; no subquery per card over them.
    for table in ("courses_lesson", "courses_module", "learning_lessonprogress"):
        assert len(re.findall(f'(?:FROM|JOIN) "{table}"', cards)) == 1, table
