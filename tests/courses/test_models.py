"""Constraints, cascades and the small pure helpers the models rely on."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from courses.models import Course, Lesson, Module
from courses.video import VideoEmbed, video_embed_for
from enrollments.models import Enrollment
from lms.durations import format_duration_words
from lms.markdown import render_markdown
from lms.models import User
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    ModuleFactory,
    UserFactory,
    course_with_curriculum,
)

pytestmark = pytest.mark.django_db


def test_course_slug_is_unique():
    CourseFactory(slug="django-basics")
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory(slug="django-basics")
    assert Course.objects.filter(slug="django-basics").count() == 1


def test_course_price_cannot_be_negative_in_the_database():
    course = CourseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(price=Decimal("-1.00"))
    course.refresh_from_db()
    assert course.price == Decimal("0")


def test_course_is_free_and_is_published():
    assert CourseFactory(price=Decimal("0")).is_free
    paid = CourseFactory(price=Decimal("49.00"), status=Course.Status.DRAFT)
    assert not paid.is_free
    assert not paid.is_published
    assert list(Course.objects.published()) == [c for c in Course.objects.all() if c.is_published]


def test_enrollment_is_unique_per_user_and_course():
    enrollment = EnrollmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(user=enrollment.user, course=enrollment.course)
    assert Enrollment.objects.filter(user=enrollment.user, course=enrollment.course).count() == 1


def test_the_same_user_may_enroll_in_two_courses():
    user = UserFactory()
    EnrollmentFactory(user=user)
    EnrollmentFactory(user=user)
    assert Enrollment.objects.filter(user=user).count() == 2


@pytest.mark.parametrize("progress", [0, 57, 100])
def test_enrollment_progress_accepts_0_to_100(progress):
    enrollment = EnrollmentFactory(progress_percent=progress)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == progress


def test_enrollment_progress_above_100_is_rejected_by_the_database():
    enrollment = EnrollmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.filter(pk=enrollment.pk).update(progress_percent=101)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 0


def test_user_email_is_unique_case_insensitively():
    UserFactory(email="Ann@Example.com")
    assert User.objects.get().email == "ann@example.com"
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="ANN@example.COM")
    assert User.objects.count() == 1


def test_lower_case_unique_index_holds_even_when_save_is_bypassed():
    UserFactory(email="bob@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="BOB@example.com", password="!")])
    assert User.objects.count() == 1


def test_deleting_a_module_deletes_its_lessons_only():
    course = course_with_curriculum(modules=2, lessons_per_module=3)
    first, second = course.modules.all()
    first_pk = first.pk
    assert Lesson.objects.filter(module_id=first_pk).count() == 3
    first.delete()
    assert not Lesson.objects.filter(module_id=first_pk).exists()
    assert set(Lesson.objects.values_list("module_id", flat=True)) == {second.pk}
    assert Lesson.objects.count() == 3


def test_deleting_a_course_deletes_its_modules_and_lessons():
    course = course_with_curriculum(modules=2, lessons_per_module=3)
    other = course_with_curriculum(modules=1, lessons_per_module=2)
    course_pk = course.pk
    course.delete()
    assert not Module.objects.filter(course_id=course_pk).exists()
    assert Module.objects.filter(course=other).count() == 1
    assert Lesson.objects.count() == 2
    assert set(Lesson.objects.values_list("module__course", flat=True)) == {other.pk}


def test_curriculum_is_ordered_by_order_then_pk():
    course = CourseFactory()
    late = ModuleFactory(course=course, order=2, title="Late")
    early = ModuleFactory(course=course, order=0, title="Early")
    middle = ModuleFactory(course=course, order=1, title="Middle")
    assert list(course.modules.all()) == [early, middle, late]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0 min"),
        (None, "0 min"),
        (5, "5 s"),
        (45, "45 s"),
        (59, "59 s"),
        (60, "1 min"),
        (75, "1 min"),
        (90, "2 min"),  # to the nearest minute
        (720, "12 min"),
        (3599, "1 h"),
        (3600, "1 h"),
        (3725, "1 h 2 min"),
        (6 * 3600 + 42 * 60, "6 h 42 min"),
        (36000 + 61, "10 h 1 min"),
    ],
)
def test_durations_read_in_words(seconds, shown):
    assert format_duration_words(seconds) == shown


YOUTUBE = VideoEmbed("youtube", "rfscVS0vtbw")
VIMEO = VideoEmbed("vimeo", "76979871")


@pytest.mark.parametrize(
    ("video_url", "video_id", "expected"),
    [
        ("https://www.youtube.com/watch?v=rfscVS0vtbw", "", YOUTUBE),
        ("https://www.youtube.com/watch?feature=share&v=rfscVS0vtbw&t=42", "", YOUTUBE),
        ("https://youtu.be/rfscVS0vtbw", "", YOUTUBE),
        ("https://youtu.be/rfscVS0vtbw?t=10", "", YOUTUBE),
        ("https://m.youtube.com/watch?v=rfscVS0vtbw", "", YOUTUBE),
        ("https://www.youtube.com/embed/rfscVS0vtbw", "", YOUTUBE),
        ("https://www.youtube.com/shorts/rfscVS0vtbw", "", YOUTUBE),
        ("https://www.youtube-nocookie.com/embed/rfscVS0vtbw", "", YOUTUBE),
        ("  https://youtu.be/rfscVS0vtbw  ", "", YOUTUBE),
        ("https://vimeo.com/76979871", "", VIMEO),
        ("https://player.vimeo.com/video/76979871", "", VIMEO),
        ("https://vimeo.com/channels/staffpicks/76979871", "", VIMEO),
        ("", "rfscVS0vtbw", YOUTUBE),
        ("", "76979871", VIMEO),
        ("", " 76979871 ", VIMEO),
        # The id wins over the URL when both are given.
        ("https://youtu.be/rfscVS0vtbw", "76979871", VIMEO),
        # Anything else is no embed at all, never a pass-through.
        ("", "", None),
        ("https://example.com/watch?v=rfscVS0vtbw", "", None),
        ("https://evil.example/youtu.be/rfscVS0vtbw", "", None),
        ("https://www.youtube.com/watch?v=short", "", None),
        ('https://www.youtube.com/watch?v=abc"><scrip', "", None),
        ("https://www.youtube.com/channel/UC8butISFwT-Wl7EV0hUK0BQ", "", None),
        ("javascript:alert(1)", "", None),
        ("https://vimeo.com/about", "", None),
        ("", "not an id", None),
        ("", "<script>alert(1)</script>", None),
    ],
)
def test_video_embed_parsing(video_url, video_id, expected):
    assert video_embed_for(video_url=video_url, video_id=video_id) == expected


def test_embed_urls_use_privacy_friendly_players():
    assert YOUTUBE.embed_url == "https://www.youtube-nocookie.com/embed/rfscVS0vtbw?rel=0"
    assert VIMEO.embed_url == "https://player.vimeo.com/video/76979871?dnt=1"


def test_lesson_video_embed_property():
    lesson = LessonFactory(kind=Lesson.Kind.VIDEO, video_url="https://youtu.be/rfscVS0vtbw")
    assert lesson.video_embed == YOUTUBE
    assert LessonFactory(kind=Lesson.Kind.TEXT).video_embed is None


def test_markdown_renders_the_usual_constructs():
    html = str(render_markdown("# Title\n\nSome *emphasis* and `code`.\n\n- one\n- two\n\n```\nx = 1\n```\n"))
    assert "<h1>Title</h1>" in html
    assert "<em>emphasis</em>" in html
    assert "<code>code</code>" in html
    assert "<li>one</li>" in html
    assert "<pre><code>x = 1\n</code></pre>" in html


def test_markdown_tables_survive_sanitising():
    html = str(render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n"))
    assert "<table>" in html
    assert "<td>1</td>" in html


def test_markdown_links_get_noopener_nofollow():
    html = str(render_markdown("[Django](https://www.djangoproject.com/)"))
    assert 'href="https://www.djangoproject.com/"' in html
    assert 'rel="noopener nofollow"' in html


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x onerror=alert(1)//>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="  javascript:alert(1)">click</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onclick="alert(1)">hi</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<object data="https://evil.example/x.swf"></object>',
    '<form action="https://evil.example"><input name="password"></form>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<style>body{display:none}</style>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_strips_xss_payloads(payload):
    html = str(render_markdown(f"Before\n\n{payload}\n\nAfter")).lower()
    assert "before" in html
    assert "after" in html
    for forbidden in (
        "<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<svg",
        "style=", "<object", "<form", "<input", "data:text", "<style", "<math",
    ):  # fmt: skip
        assert forbidden not in html, f"{forbidden!r} survived in {html!r}"


def test_markdown_of_empty_text_is_empty():
    assert str(render_markdown("")) == ""
    assert str(render_markdown(None)) == ""
