"""A body over the limit is refused from its Content-Length, before a byte of it is read: a
gunicorn worker is not kept busy reading (or spooling to disk) what would be refused anyway."""

import io

import pytest
from django.conf import settings
from django.urls import reverse

from courses.models import Lesson
from learning.models import Submission
from learning.uploads import MAX_UPLOAD_BYTES
from tests.factories import EnrollmentFactory, LessonFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


class UnreadBody(io.BytesIO):
    """A request body that records whether anyone read from it."""

    read_from = False

    def read(self, *args):
        self.read_from = True
        return super().read(*args)

    def readline(self, *args):
        self.read_from = True
        return super().readline(*args)


def post_announcing(client, url: str, length: int):
    body = UnreadBody(b"--x\r\n" + b"a" * 1000)
    response = client.generic(
        "POST",
        url,
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": body},
    )
    return response, body


@pytest.fixture
def assignment_url():
    course = course_with_curriculum(modules=1, lessons_per_module=1)
    lesson = LessonFactory(module=course.modules.get(), kind=Lesson.Kind.ASSIGNMENT)
    return course, reverse("learning:assignment_submit", args=[course.slug, lesson.pk])


def test_an_assignment_upload_over_the_limit_is_refused_with_a_page_before_its_body_is_read(
    client, assignment_url
):
    course, url = assignment_url
    client.force_login(EnrollmentFactory(course=course).user)
    response, body = post_announcing(client, url, 500 * 1024 * 1024)
    assert response.status_code == 413
    assert "That was too large to send" in response.content.decode()
    assert "at most 11 MB" in response.content.decode()
    assert response["Connection"] == "close"
    assert not body.read_from
    assert not Submission.objects.exists()


@pytest.mark.parametrize("url", ["/accounts/login/", "/payments/webhook/", "/no-such-page/"])
def test_any_url_refuses_a_body_one_byte_over_the_limit(client, url):
    response, body = post_announcing(client, url, settings.REQUEST_BODY_MAX_BYTES + 1)
    assert response.status_code == 413
    assert not body.read_from


def test_the_limit_leaves_room_for_the_largest_assignment_file_and_stays_under_nginx_s():
    assert MAX_UPLOAD_BYTES + 512 * 1024 <= settings.REQUEST_BODY_MAX_BYTES <= 12 * 1024 * 1024
