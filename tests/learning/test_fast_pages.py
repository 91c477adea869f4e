"""What the logged-in pages' speed rests on (issue 13): the curriculum rendered
once for every student of a course with each viewer's ticks laid over it, the
ticks read with the enrollment, numbers printed without the locale machinery,
the cached template loader, and sessions from Redis when the cache is Redis."""

import pytest
from django.core.cache import cache
from django.template import engines
from django.urls import reverse

from learning.services.progress import lesson_complete
from lms.templatetags.overlay import TICK_HTML, ticks_apply
from tests.factories import EnrollmentFactory, course_with_curriculum
from tests.learning.factories import QuizFactory, question_with_choices
from tests.learning.test_progress_pages import TICK, lessons_of
from tests.lms.test_settings import PRODUCTION_SECRET_KEY, manage

pytestmark = pytest.mark.django_db


def fragment_keys(name: str) -> list[str]:
    # The locmem cache the tests run with; {% cache %} keys start "template.cache.<name>.".
    return [key for key in cache._cache if f"template.cache.{name}." in key]


@pytest.fixture
def two_students(client):
    course = course_with_curriculum(modules=2, lessons_per_module=3)
    lessons = lessons_of(course)
    ada, bob = EnrollmentFactory(course=course).user, EnrollmentFactory(course=course).user
    lesson_complete(user=ada, lesson=lessons[0])
    lesson_complete(user=bob, lesson=lessons[1])
    lesson_complete(user=bob, lesson=lessons[4])
    return course, lessons, ada, bob


def ticked(html: str, lessons) -> list[int]:
    """The positions (in curriculum order) of the lessons with a tick after their link."""
    done = []
    for index, lesson in enumerate(lessons):
        link = f">{lesson.title}</a>"
        start = html.index(link)
        following = html.find("</li>", start)
        if TICK in html[start:following]:
            done.append(index)
    return done


def test_every_student_gets_their_own_ticks_from_one_shared_curriculum(client, two_students):
    course, lessons, ada, bob = two_students

    client.force_login(ada)
    html = client.get(course.get_absolute_url()).content.decode()
    assert ticked(html, lessons) == [0]
    client.force_login(bob)
    html = client.get(course.get_absolute_url()).content.decode()
    assert ticked(html, lessons) == [1, 4]
    assert "<!--tick:" not in html

    # One rendering of the curriculum for both (the ticks are not in its key).
    assert len(fragment_keys("course-curriculum")) == 1

    # A lesson completed later shows at once, without rendering the curriculum again.
    lesson_complete(user=bob, lesson=lessons[5])
    html = client.get(course.get_absolute_url()).content.decode()
    assert ticked(html, lessons) == [1, 4, 5]
    assert "50% complete · 3 of 6 lessons" in html
    assert len(fragment_keys("course-curriculum")) == 1


def test_the_lesson_sidebar_is_shared_and_ticked_per_student(client, two_students):
    _course, lessons, ada, bob = two_students
    url = lessons[2].get_absolute_url()

    client.force_login(ada)
    html = client.get(url).content.decode()
    sidebar = html[html.index('aria-label="Course contents"') :]
    assert ticked(sidebar, lessons) == [0]
    assert f'aria-current="page">{lessons[2].title}</a>\n' in sidebar  # not completed: no tick, no marker
    client.force_login(bob)
    html = client.get(url).content.decode()
    sidebar = html[html.index('aria-current="page"') - 2000 :]
    assert ticked(html[html.index('aria-label="Course contents"') :], lessons) == [1, 4]
    assert "<!--tick:" not in sidebar
    assert len(fragment_keys("lesson-sidebar")) == 1


def test_tick_markers_become_ticks_or_nothing():
    html = "<a>One</a> <!--tick:1-->|<a>Two</a> <!--tick:2-->|<span>\n  <!--tick:12-->\n</span>"
    assert ticks_apply(html, frozenset({2, 12})) == (
        f"<a>One</a>|<a>Two</a> {TICK_HTML}|<span>\n  {TICK_HTML}\n</span>"
    )
    assert ticks_apply(html, frozenset()) == "<a>One</a>|<a>Two</a>|<span>\n \n</span>"


def test_a_former_student_sees_no_ticks(client, two_students):
    course, _lessons, ada, _bob = two_students
    enrollment = ada.enrollments.get()
    enrollment.status = enrollment.Status.REVOKED
    enrollment.save(update_fields=["status"])
    client.force_login(ada)
    html = client.get(course.get_absolute_url()).content.decode()
    assert TICK not in html


def test_pages_print_numbers_without_the_locale_machinery(client, monkeypatch):
    # {% localize off %} in base.html: a number on a page is str(number), the same
    # text for this en-us site, without number_format's per-call format lookups.
    course = course_with_curriculum(modules=1, lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    quiz = QuizFactory(lesson__module=course.modules.get())
    for _ in range(3):
        question_with_choices(quiz, choices=4)
    client.force_login(enrollment.user)
    client.post(reverse("learning:quiz_start", args=[course.slug, quiz.lesson.pk]))
    attempt = quiz.attempts.get()

    def refuse(*args, **kwargs):
        raise AssertionError("a number went through django.utils.formats.number_format")

    monkeypatch.setattr("django.utils.formats.number_format", refuse)
    response = client.get(reverse("learning:quiz_attempt", args=[course.slug, quiz.lesson.pk, attempt.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{quiz.questions.first().choices.first().pk}"' in html
    assert "Attempt 1" in html


def test_templates_are_compiled_once_per_process():
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__module__ for loader in loaders] == ["django.template.loaders.cached"]


@pytest.mark.parametrize(
    ("cache_url", "engine"),
    [
        ("rediscache://127.0.0.1:6379/0", "django.contrib.sessions.backends.cached_db"),
        ("locmemcache://doctrina", "django.contrib.sessions.backends.db"),
    ],
)
def test_sessions_come_from_the_cache_only_when_it_is_shared(cache_url, engine):
    # Nothing connects to Redis here: the settings are only printed.
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SESSION_ENGINE)",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        ALLOWED_HOSTS="doctrina.example.com",
        CACHE_URL=cache_url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == engine
