from decimal import Decimal

import pytest
from django.urls import reverse

from courses.models import Course, Lesson
from tests.factories import (
    EnrollmentFactory,
    UserFactory,
    course_with_curriculum,
)

pytestmark = pytest.mark.django_db


def detail(course) -> str:
    return reverse("courses:detail", kwargs={"slug": course.slug})


def test_shows_course_instructor_and_curriculum_in_order(client):
    course = course_with_curriculum(modules=2, lessons_per_module=2, description="Learn **well**")
    course.instructor.title = "Principal engineer"
    course.instructor.bio = "Built things."
    course.instructor.photo_url = "https://example.com/ada.jpg"
    course.instructor.save()
    EnrollmentFactory(course=course)
    EnrollmentFactory(course=course)
    EnrollmentFactory(course=course, status="revoked")

    html = client.get(detail(course)).content.decode()

    assert "<strong>well</strong>" in html
    assert "Principal engineer" in html and "Built things." in html
    assert 'src="https://example.com/ada.jpg"' in html
    assert "2 students" in html
    assert "4 lessons" in html
    assert "6 min" in html  # 1+2+1+2 minutes, in words (issue 14)
    positions = [
        html.index(t)
        for t in ["Module 1", "Lesson 1.1", "Lesson 1.2", "Module 2", "Lesson 2.1", "Lesson 2.2"]
    ]
    assert positions == sorted(positions)


def test_curriculum_lists_preview_links_but_never_locked_content(client):
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    locked = Lesson.objects.get(title="Lesson 1.2")
    locked.video_id = "dQw4w9WgXcQ"
    locked.video_url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    locked.save()
    preview = Lesson.objects.get(title="Lesson 1.1")

    html = client.get(detail(course)).content.decode()

    assert reverse("courses:lesson", args=[course.slug, preview.pk]) in html
    assert reverse("courses:lesson", args=[course.slug, locked.pk]) not in html
    assert "Secret content" not in html
    assert "dQw4w9WgXcQ" not in html


@pytest.mark.parametrize(
    ("price", "viewer", "expected"),
    [
        (Decimal("0"), "anonymous", "Log in to enroll"),
        (Decimal("30"), "anonymous", "Sign up to buy"),
        (Decimal("0"), "student", "Enroll for free"),
        (Decimal("0"), "enrolled", "Continue learning"),
        (Decimal("30"), "enrolled", "Continue learning"),
        (Decimal("0"), "owner", "Edit in admin"),
    ],
)
def test_call_to_action_fits_the_visitor(client, settings, price, viewer, expected):
    settings.STRIPE_SECRET_KEY = "sk_test_x"  # on sale (tests/enrollments/test_enrolling_path.py: not yet)
    course = course_with_curriculum(modules=1, lessons_per_module=1, price=price)
    if viewer == "student":
        client.force_login(UserFactory())
    elif viewer == "enrolled":
        client.force_login(EnrollmentFactory(course=course).user)
    elif viewer == "owner":
        client.force_login(course.instructor)

    html = client.get(detail(course)).content.decode()

    assert expected in html
    for other in {
        "Log in to enroll",
        "Sign up to buy",
        "Enroll for free",
        "Continue learning",
        "Edit in admin",
    } - {expected}:
        assert other not in html


def test_revoked_student_is_offered_enrollment_again_not_continue(client):
    course = course_with_curriculum(modules=1, lessons_per_module=1)
    client.force_login(EnrollmentFactory(course=course, status="revoked").user)
    html = client.get(detail(course)).content.decode()
    assert "Enroll for free" in html
    assert "Continue learning" not in html


def test_draft_is_404_except_for_owner_and_superuser(client, other_instructor, superuser):
    course = course_with_curriculum(status=Course.Status.DRAFT)
    assert client.get(detail(course)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(detail(course)).status_code == 404
    client.force_login(other_instructor)
    assert client.get(detail(course)).status_code == 404
    for viewer in (course.instructor, superuser):
        client.force_login(viewer)
        response = client.get(detail(course))
        assert response.status_code == 200
        assert "Draft" in response.content.decode()


def test_unknown_course_is_a_friendly_404(client):
    response = client.get("/courses/no-such-course/")
    assert response.status_code == 404
    assert "couldn’t find that page" in response.content.decode()


# The curriculum (modules, lessons) is cached under its content version
# (courses/curriculum.py): the first view of a version loads it (COLD), later
# views do not (WARM). Both are constant in the size of the course.
CURRICULUM_QUERIES = 2  # modules, lessons
# Anonymous: course with instructor and the figures other apps register (students,
# rating), the curriculum's version, the newest reviews (community's page section).
ANONYMOUS_WARM = 3
ANONYMOUS_COLD = ANONYMOUS_WARM + CURRICULUM_QUERIES
# Enrolled: session, user, course with its figures, the viewer's enrollment (with
# "continue", their certificate and their completed lessons), the curriculum's
# version, their own review, the unread badge. The newest announcements and reviews
# are fragments in the shared cache (community/fragments.py): a query each when cold.
ENROLLED_WARM = 7
FRAGMENT_QUERIES = 2
ENROLLED_COLD = ENROLLED_WARM + CURRICULUM_QUERIES + FRAGMENT_QUERIES


@pytest.mark.parametrize(("modules", "lessons_per_module"), [(1, 3), (15, 20)])
def test_course_page_queries_do_not_grow_with_the_curriculum(
    client, django_assert_num_queries, modules, lessons_per_module
):
    course = course_with_curriculum(modules=modules, lessons_per_module=lessons_per_module)
    for _ in range(5):
        EnrollmentFactory(course=course)
    student = EnrollmentFactory(course=course).user
    url = detail(course)

    with django_assert_num_queries(ANONYMOUS_COLD):
        response = client.get(url)
    assert response.context["page"].curriculum.lesson_count == modules * lessons_per_module
    # The same page again: served whole from the anonymous page cache (lms/page_cache.py).
    with django_assert_num_queries(0):
        warm = client.get(url)
    assert warm.content == response.content

    client.force_login(student)
    # The reviews' fragment was filled by the visitor's view, the announcements' is not yet.
    with django_assert_num_queries(ENROLLED_WARM + 1):
        response = client.get(url)
    assert "Continue learning" in response.content.decode()


def test_a_curriculum_change_shows_at_once_despite_the_cache(client):
    """The cache key names the content: every kind of edit changes it."""
    from courses.services import lessons_renumber

    course = course_with_curriculum(modules=2, lessons_per_module=2)
    url = detail(course)
    assert "Lesson 1.1" in client.get(url).content.decode()

    lesson = Lesson.objects.get(module__course=course, title="Lesson 1.1")
    lesson.title = "Renamed lesson"
    lesson.save()
    assert "Renamed lesson" in client.get(url).content.decode()

    Lesson.objects.create(module=lesson.module, title="Brand new lesson", order=9)
    html = client.get(url).content.decode()
    assert "Brand new lesson" in html and "5 lessons" in html

    Lesson.objects.filter(title="Brand new lesson").delete()
    assert "Brand new lesson" not in client.get(url).content.decode()

    # A reorder (a bulk update of `order` only) shows too.
    first, second = Lesson.objects.filter(module=lesson.module).order_by("order")
    Lesson.objects.filter(pk=second.pk).update(order=0)
    Lesson.objects.filter(pk=first.pk).update(order=5)
    lessons_renumber(module=lesson.module)
    html = client.get(url).content.decode()
    assert html.index(second.title) < html.index(first.title)

    module = lesson.module
    module.title = "Renamed module"
    module.save()
    assert "Renamed module" in client.get(url).content.decode()
