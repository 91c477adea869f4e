"""Instructor pages (issue 14): /instructors/<slug>/ shows who teaches — photo,
title, bio — their published courses as cards, how many students they teach
and their average rating; course pages and cards link to it."""

import pytest
from django.urls import reverse

from community.services import review_save
from courses.models import Course, Lesson
from enrollments.models import Enrollment
from learning.services.progress import lesson_complete
from lms.models import User
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    UserFactory,
    course_with_curriculum,
)

pytestmark = pytest.mark.django_db


def page_url(user) -> str:
    return reverse("courses:instructor", kwargs={"slug": user.slug})


@pytest.fixture
def teacher():
    return InstructorFactory(
        first_name="Maya",
        last_name="Okafor",
        title="Staff engineer at a payments company",
        bio="Fifteen years of Django.\n\nShe writes about testing.",
    )


@pytest.fixture
def school(teacher):
    """Two published courses and a draft; a student in both published ones, one
    in one, one revoked and one in the draft; three reviews."""
    django = course_with_curriculum(modules=1, lessons_per_module=2, instructor=teacher, title="Django")
    sql = course_with_curriculum(modules=1, lessons_per_module=1, instructor=teacher, title="SQL")
    draft = CourseFactory(instructor=teacher, title="Secret draft", status=Course.Status.DRAFT)
    both, one, revoked, drafted = (UserFactory(first_name=n) for n in ("Both", "One", "Revoked", "Draft"))
    for user, course in [(both, django), (both, sql), (one, sql), (revoked, django), (drafted, draft)]:
        EnrollmentFactory(user=user, course=course)
    Enrollment.objects.filter(user=revoked).update(status=Enrollment.Status.REVOKED)
    for user, course, rating in [(both, django, 5), (both, sql, 4), (one, sql, 4)]:
        lesson_complete(user=user, lesson=Lesson.objects.filter(module__course=course).first())
        review_save(user=user, course=course, rating=rating, body="")
    return {"django": django, "sql": sql, "draft": draft}


def test_shows_the_profile_the_published_courses_and_the_figures(client, teacher, school):
    html = client.get(page_url(teacher)).content.decode()

    assert "<h1" in html and "Maya Okafor" in html
    assert "Staff engineer at a payments company" in html
    assert "<p>Fifteen years of Django.</p>" in html and "<p>She writes about testing.</p>" in html
    assert school["django"].get_absolute_url() in html and school["sql"].get_absolute_url() in html
    assert "Secret draft" not in html
    # Distinct active students of published courses: "Both" counts once; revoked and draft-only do not.
    assert "<strong>2</strong> students" in html
    assert "<strong>2</strong> courses" in html
    # (5 + 4 + 4) / 3 reviews, across both courses.
    assert '4.3<span class="visually-hidden"> out of 5</span> average rating (3 ratings)' in html


def test_a_photo_upload_wins_over_the_old_photo_url_and_initials_stand_in_for_none(client, teacher):
    html = client.get(page_url(teacher)).content.decode()
    assert 'class="instructor-photo instructor-initials"' in html and "<span>MO</span>" in html

    User.objects.filter(pk=teacher.pk).update(photo_url="https://example.com/maya.jpg")
    assert 'src="https://example.com/maya.jpg"' in client.get(page_url(teacher)).content.decode()

    User.objects.filter(pk=teacher.pk).update(photo="instructor-photos/maya.webp")
    html = client.get(page_url(teacher)).content.decode()
    assert 'src="/media/instructor-photos/maya.webp"' in html and "example.com/maya.jpg" not in html


def test_query_count_does_not_grow_with_courses(client, teacher, school, django_assert_num_queries):
    # The instructor with their figures; their published courses with the card figures.
    with django_assert_num_queries(2):
        client.get(page_url(teacher))
    for n in range(4):
        course_with_curriculum(modules=1, lessons_per_module=1, instructor=teacher, title=f"More {n}")
    with django_assert_num_queries(2):
        html = client.get(page_url(teacher)).content.decode()
    assert "<strong>6</strong> courses" in html


def test_an_instructor_without_a_published_course_has_a_quiet_page(client, teacher):
    CourseFactory(instructor=teacher, status=Course.Status.DRAFT)

    response = client.get(page_url(teacher))

    assert response.status_code == 200
    html = response.content.decode()
    assert "No courses published yet" in html and "<strong>0</strong> students" in html
    assert "average rating" not in html


def test_students_inactive_accounts_and_unknown_slugs_are_404(client, teacher):
    student = UserFactory(first_name="Sam", last_name="Student")
    assert student.slug  # every account has one; only instructors have a page
    assert client.get(page_url(student)).status_code == 404
    User.objects.filter(pk=teacher.pk).update(is_active=False)
    assert client.get(page_url(teacher)).status_code == 404
    assert client.get("/instructors/nobody-here/").status_code == 404
    assert client.get("/instructors/%C3%A9t%C3%A9/").status_code == 404


def test_a_superuser_who_teaches_a_course_has_a_page(client):
    boss = UserFactory(first_name="Grace", last_name="Hopper", is_staff=True, is_superuser=True)
    CourseFactory(instructor=boss, title="COBOL")
    assert client.get(page_url(boss)).status_code == 200


def test_slugs_are_unique_and_kept_when_the_name_changes():
    first = InstructorFactory(first_name="Ann", last_name="Lee")
    second = InstructorFactory(first_name="Ann", last_name="Lee")
    nameless = InstructorFactory(first_name="", last_name="", email="zed.q@example.com")
    assert (first.slug, second.slug, nameless.slug) == ("ann-lee", "ann-lee-2", "zedq")

    first.first_name = "Annabel"
    first.save()
    first.refresh_from_db()
    assert first.slug == "ann-lee"


def test_course_pages_and_cards_link_to_the_instructor(client, teacher, school):
    url = page_url(teacher)
    course_page = client.get(school["django"].get_absolute_url()).content.decode()
    assert course_page.count(f'href="{url}"') == 2  # "Created by" and "Your instructor"

    catalogue = client.get(reverse("courses:catalogue")).content.decode()
    assert catalogue.count(f'<a href="{url}">Maya Okafor</a>') == 2  # one per published course

    EnrollmentFactory(user=(me := UserFactory()), course=school["sql"])
    client.force_login(me)
    dashboard = client.get(reverse("learning:dashboard")).content.decode()
    assert f'<a href="{url}">Maya Okafor</a>' in dashboard


def test_the_migration_gives_every_existing_account_a_unique_slug():
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("lms.migrations.0002_instructor_profile").slugs_backfill
    rows = [
        InstructorFactory(first_name="Ann", last_name="Lee"),
        InstructorFactory(first_name="Ann", last_name="Lee"),
        UserFactory(first_name="", last_name="", email="x.y@example.com"),
        UserFactory(first_name="Élodie", last_name="Ünal"),
    ]
    User.objects.update(slug=None)  # as the rows were before the migration

    backfill(apps, None)

    slugs = [User.objects.get(pk=user.pk).slug for user in rows]
    assert slugs == ["ann-lee", "ann-lee-2", "xy", "elodie-unal"]
