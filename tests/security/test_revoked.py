"""A student whose enrollment was revoked (a refund, a dispute) gets, on every
learning page, the answer a student who never enrolled gets: the course's
pages as a visitor sees them, the "enroll to open" page (403) for its lessons
and for the parts of a lesson they had opened before (their quiz attempt in
progress, its result, their submitted file), the discussions' 404. Generated
from the URL conf: every pattern under /courses/<slug>/ and in the learning
namespace, filled with the revoked student's own ids."""

import pytest
from django.test import Client

from learning.models import QuizAttempt
from tests.security.conftest import valid_kwargs
from tests.security.sweep import routes

pytestmark = pytest.mark.django_db

LEARNING_ROUTES = [
    route
    for route in routes(exclude_prefixes=("admin/",))
    if route.route.startswith("courses/<slug:slug>/") or route.name.startswith("learning:")
]
# Path parameters that name something the student made: its page belongs to a
# lesson, and answers as that lesson's page does.
OWNED = {"attempt_id", "submission_id"}
SECRETS = ["SECRET-TEXT-CONTENT", "SECRET-QUIZ-PROMPT", "SECRET-EXPLANATION", "SECRET-ASSIGNMENT", "%PDF"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _answer(response) -> tuple[int, str | None]:
    templates = [
        t.name for t in response.templates if t.name and not t.name.startswith(("includes/", "base"))
    ]
    return response.status_code, templates[0] if templates else None


def _data(world):
    return {"body": "Still here?", "title": "Hello", "token": "6f1c1d2e-8d4b-4b7e-9a55-3f3d2d9b7c10",
            "rating": "5", "reason": "x", "text": "Another essay"}  # fmt: skip


def test_the_sweep_covers_every_learning_page():
    names = {route.name for route in LEARNING_ROUTES}
    assert {
        "courses:detail", "courses:lesson", "learning:quiz_attempt", "learning:quiz_result",
        "learning:quiz_submit",
        "learning:submission_file", "learning:assignment_submit", "learning:lesson_complete",
        "community:questions", "community:question", "community:reviews",
    } <= names  # fmt: skip


def _urls(world, route, kwargs) -> list[str]:
    """The route with the revoked student's ids (for an attempt: the open one and the submitted one)."""
    variants = [kwargs]
    if "attempt_id" in route.converters:
        variants.append({**kwargs, "attempt_id": str(world.revoked.attempt_done.pk)})
    return [route.path({name: values[name] for name in route.converters}) for values in variants]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_revoked_student_gets_what_a_student_who_never_enrolled_gets(world, method):
    revoked, stranger = _client(world.revoked.user), _client(world.stranger)
    lesson_of = {"attempt_id": world.quiz, "submission_id": world.assignment}
    kwargs = valid_kwargs(world, world.revoked)  # before a POST deletes their review
    differences = []
    for route in LEARNING_ROUTES:
        for url in _urls(world, route, kwargs):
            owned = OWNED & set(route.converters)
            if owned:
                # The stranger has no attempt or submission: the answer to match
                # is the one for the lesson it belongs to.
                expected = _answer(stranger.get(lesson_of[owned.pop()].get_absolute_url()))
            else:
                expected = _answer(getattr(stranger, method)(url, _data(world)))
            response = getattr(revoked, method)(url, _data(world))
            if response.status_code == 405:
                continue  # the method is not this URL's
            got = _answer(response)
            if owned and method == "post":
                got, expected = got[:1], expected[:1]  # a refused action may name its reason on its own page
            if got != expected:
                differences.append(
                    f"{method.upper()} {route.name} {url}: revoked {got}, never enrolled {expected}"
                )
            body = b"".join(response) if response.streaming else response.content
            leaked = [secret for secret in SECRETS if secret.encode() in body]
            if leaked:
                differences.append(f"{method.upper()} {route.name} {url}: shows {leaked}")
    assert not differences, "\n".join(differences)


def test_a_revoked_student_cannot_submit_their_open_attempt(world):
    client = _client(world.revoked.user)
    attempt = world.revoked.attempt_open
    url = f"/courses/{world.course.slug}/lessons/{world.quiz.pk}/quiz/attempts/{attempt.pk}/submit/"
    assert client.post(url, {}).status_code == 403
    assert QuizAttempt.objects.get(pk=attempt.pk).submitted_at is None


def test_the_enrolled_student_still_opens_the_same_pages(world):
    """The control: the same URLs, with the enrolled student's own ids, open."""
    client = _client(world.student.user)
    kwargs = valid_kwargs(world, world.student)
    slug, quiz = world.course.slug, world.quiz.pk
    for url in (
        world.text.get_absolute_url(),
        f"/courses/{slug}/lessons/{quiz}/quiz/attempts/{kwargs['attempt_id']}/",
        f"/courses/{slug}/lessons/{quiz}/quiz/attempts/{world.student.attempt_done.pk}/result/",
        f"/submissions/{kwargs['submission_id']}/file/",
        f"/courses/{slug}/questions/{kwargs['question_id']}/",
    ):
        assert client.get(url).status_code == 200, url
