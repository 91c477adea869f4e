"""Who sees a lesson (the backlog's TASK-010), as a matrix of viewer × lesson ×
course status, and the rule that what is not allowed is not sent."""

import pytest
from django.urls import reverse

from courses.models import Course, Lesson
from tests.factories import (
    EnrollmentFactory,
    InstructorFactory,
    SuperuserFactory,
    UserFactory,
    course_with_curriculum,
)

pytestmark = pytest.mark.django_db

VIDEO_ID = "dQw4w9WgXcQ"
SECRET = "Only for enrolled eyes"

VIEWERS = ["anonymous", "student", "enrolled", "revoked", "owner", "other_instructor", "superuser"]

# (viewer, preview?, published?) -> outcome
EXPECTED = {}
for viewer in VIEWERS:
    for preview in (True, False):
        for published in (True, False):
            if viewer in ("owner", "superuser", "enrolled"):
                # A draft closes a course to new students, never to its own (issue 12).
                outcome = "content"
            elif not published:
                outcome = "404"
            elif preview or viewer == "enrolled":
                outcome = "content"
            elif viewer == "anonymous":
                outcome = "sign up"  # a 403 page that offers sign-up and log-in (issue 14)
            else:
                outcome = "403"
            EXPECTED[(viewer, preview, published)] = outcome


def make_lesson(*, preview: bool, published: bool) -> Lesson:
    course = course_with_curriculum(
        modules=1,
        lessons_per_module=2,
        status=Course.Status.PUBLISHED if published else Course.Status.DRAFT,
    )
    lesson = Lesson.objects.get(module__course=course, title="Lesson 1.2")
    lesson.is_preview = preview
    lesson.kind = Lesson.Kind.VIDEO
    lesson.video_id = VIDEO_ID
    lesson.video_url = f"https://www.youtube.com/watch?v={VIDEO_ID}"
    lesson.content = SECRET
    lesson.save()
    return lesson


def log_in_as(client, viewer: str, course: Course) -> None:
    user = {
        "anonymous": lambda: None,
        "student": UserFactory,
        "enrolled": lambda: EnrollmentFactory(course=course).user,
        "revoked": lambda: EnrollmentFactory(course=course, status="revoked").user,
        "owner": lambda: course.instructor,
        "other_instructor": InstructorFactory,
        "superuser": SuperuserFactory,
    }[viewer]()
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize(("viewer", "preview", "published"), list(EXPECTED))
def test_lesson_access_matrix(client, viewer, preview, published):
    lesson = make_lesson(preview=preview, published=published)
    course = lesson.module.course
    log_in_as(client, viewer, course)
    url = reverse("courses:lesson", args=[course.slug, lesson.pk])

    response = client.get(url)
    html = response.content.decode()
    outcome = EXPECTED[(viewer, preview, published)]

    if outcome == "content":
        assert response.status_code == 200
        assert SECRET in html
        assert f"https://www.youtube-nocookie.com/embed/{VIDEO_ID}" in html
    else:
        # What is not allowed is not sent.
        assert SECRET not in html
        assert VIDEO_ID not in html
        if outcome == "sign up":
            assert response.status_code == 403
            assert f"{reverse('account_signup')}?next={url}" in html
            assert f"{reverse('account_login')}?next={url}" in html
        elif outcome == "403":
            assert response.status_code == 403
            assert "Enroll" in html or "Buy" in html or "Payments" in html
        else:
            assert response.status_code == 404


def test_lesson_of_another_course_is_404(client):
    lesson = make_lesson(preview=True, published=True)
    other = course_with_curriculum(modules=1, lessons_per_module=1)
    response = client.get(reverse("courses:lesson", args=[other.slug, lesson.pk]))
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_no_page_leaks_locked_content(client):
    """Every student-facing page a non-enrolled viewer can reach, none with the secret."""
    lesson = make_lesson(preview=False, published=True)
    course = lesson.module.course
    client.force_login(UserFactory())
    urls = [
        "/",
        reverse("courses:catalogue"),
        reverse("courses:catalogue") + "?q=Only",
        reverse("courses:detail", args=[course.slug]),
        reverse("courses:lesson", args=[course.slug, lesson.pk]),
        reverse("courses:lesson", args=[course.slug, Lesson.objects.get(title="Lesson 1.1").pk]),
        reverse("learning:dashboard"),
        reverse("notifications:list"),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert SECRET not in html, url
        assert VIDEO_ID not in html, url


def test_preview_lesson_embeds_video_privately_without_autoplay(client):
    lesson = make_lesson(preview=True, published=True)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert f'src="https://www.youtube-nocookie.com/embed/{VIDEO_ID}?rel=0"' in html
    assert "autoplay" not in html


def test_vimeo_lessons_embed_the_vimeo_player(client):
    lesson = make_lesson(preview=True, published=True)
    lesson.video_id = ""
    lesson.video_url = "https://vimeo.com/76979871"
    lesson.save()
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert 'src="https://player.vimeo.com/video/76979871?dnt=1"' in html


def test_previous_and_next_cross_module_boundaries(client):
    course = course_with_curriculum(modules=2, lessons_per_module=2)
    client.force_login(EnrollmentFactory(course=course).user)
    last_of_first = Lesson.objects.get(module__course=course, title="Lesson 1.2")
    first_of_second = Lesson.objects.get(module__course=course, title="Lesson 2.1")

    html = client.get(last_of_first.get_absolute_url()).content.decode()
    assert f'rel="next" href="{first_of_second.get_absolute_url()}"' in html
    html = client.get(first_of_second.get_absolute_url()).content.decode()
    assert f'rel="prev" href="{last_of_first.get_absolute_url()}"' in html
    assert 'aria-current="page">Lesson 2.1<' in html


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<svg onload="alert(1)"></svg>',
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
    "<scr<script>ipt>alert(1)</script>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "<object data=javascript:alert(1)></object>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_description_and_content_are_sanitised(client, payload):
    lesson = make_lesson(preview=True, published=True)
    lesson.content = f"Intro\n\n{payload}\n\n[docs](https://docs.djangoproject.com/)"
    lesson.save()
    course = lesson.module.course
    course.description = payload
    course.save()

    for url in (course.get_absolute_url(), lesson.get_absolute_url()):
        html = client.get(url).content.decode().lower()
        main = html[html.index('<main id="main"') :]
        assert "<script" not in main
        assert "javascript:" not in main
        assert "onerror" not in main and "onload" not in main and "onclick" not in main
        assert "<iframe src=https://evil" not in main and "evil.example" not in main.split("<iframe")[0]
        assert "<object" not in main and "<svg" not in main

    html = client.get(lesson.get_absolute_url()).content.decode()
    assert '<a href="https://docs.djangoproject.com/" rel="noopener nofollow">docs</a>' in html


# Warm: session, user, lesson with module, course and instructor, the viewer's
# enrollment with their completed lessons, the curriculum's version, the lesson's
# newest questions (community's section), the unread badge. Cold adds the
# curriculum (modules, lessons), loaded once per version.
LESSON_PAGE_WARM = 7
LESSON_PAGE_COLD = LESSON_PAGE_WARM + 2


@pytest.mark.parametrize(("modules", "lessons_per_module"), [(1, 3), (15, 20)])
def test_lesson_page_queries_do_not_grow_with_the_course(
    client, django_assert_num_queries, modules, lessons_per_module
):
    course = course_with_curriculum(modules=modules, lessons_per_module=lessons_per_module)
    client.force_login(EnrollmentFactory(course=course).user)
    first, last = (
        lesson.get_absolute_url()
        for lesson in Lesson.objects.filter(module__course=course).order_by("pk")[
            :: (modules * lessons_per_module) - 1
        ]
    )
    with django_assert_num_queries(LESSON_PAGE_COLD):
        response = client.get(last)
    assert response.status_code == 200
    with django_assert_num_queries(LESSON_PAGE_WARM):
        response = client.get(first)
    assert 'aria-current="page">Lesson 1.1<' in response.content.decode()


def test_a_revoked_student_gets_the_403_page_that_says_access_ended_and_offers_enrollment(client):
    lesson = make_lesson(preview=False, published=True)
    course = lesson.module.course
    client.force_login(EnrollmentFactory(course=course, status="revoked").user)
    response = client.get(reverse("courses:lesson", args=[course.slug, lesson.pk]))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your access to this course has ended." in html
    assert reverse("courses:enroll", args=[course.slug]) in html
    assert SECRET not in html
