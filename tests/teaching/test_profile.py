"""An instructor edits their public profile at /teach/profile/ (name, title,
bio, photo); staff edit anyone's in the admin. A photo is checked by its
content and stored as our own square WebP."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from lms.models import PHOTO_SIDE, User
from lms.storage import public_storage

pytestmark = pytest.mark.django_db
URL = "/teach/profile/"


def photo(width=900, height=600, fmt="JPEG", name="me.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#aa5533").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


def _stored_photo(user) -> tuple[tuple[int, int], str]:
    user.refresh_from_db()
    with public_storage().open(user.photo.name) as file, Image.open(file) as image:
        return image.size, image.format


def test_an_instructor_saves_their_profile_and_photo(client, instructor, django_capture_on_commit_callbacks):
    client.force_login(instructor)
    assert reverse("teaching:profile") == URL
    assert client.get(URL).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "title": "Analyst",
                "bio": "Notes.",
                "photo": photo(),
            },
        )
    assert response.status_code == 302
    assert _stored_photo(instructor) == ((PHOTO_SIDE, PHOTO_SIDE), "WEBP")
    first = instructor.photo.name

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            URL,
            {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "title": "Analyst",
                "bio": "",
                "photo": photo(300, 250, "PNG", "me.png"),
            },
        )
    assert _stored_photo(instructor) == ((250, 250), "WEBP")  # never upscaled
    assert not public_storage().exists(first)  # the replaced photo is gone

    page = client.get(reverse("courses:instructor", args=[instructor.slug])).content.decode()
    assert f'src="{instructor.photo.url}"' in page and "Analyst" in page


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("me.png", b"%PDF-1.4 not a picture"),
        pytest.param(None, id="too-small"),
    ],
)
def test_a_bad_photo_is_refused_with_what_was_typed_kept(client, instructor, upload):
    upload = upload or photo(120, 120)
    client.force_login(instructor)

    response = client.post(
        URL, {"first_name": "Ada", "last_name": "L", "title": "Kept title", "bio": "", "photo": upload}
    )

    assert response.status_code == 200
    assert "photo" in response.context["form"].errors
    assert 'value="Kept title"' in response.content.decode()
    instructor.refresh_from_db()
    assert not instructor.photo and instructor.title == "Senior engineer"


def test_students_get_404_and_visitors_log_in_first(client, student):
    assert client.get(URL).status_code == 302
    client.force_login(student)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"title": "Hacker"}).status_code == 404


def test_staff_upload_a_photo_for_anyone_in_the_admin(client, superuser, instructor):
    client.force_login(superuser)
    url = reverse("admin:lms_user_change", args=[instructor.pk])
    page = client.get(url).content.decode()
    assert 'name="photo"' in page and 'name="photo_url"' not in page  # the old URL is read-only

    data = {
        "email": instructor.email, "first_name": "Ada", "last_name": "Lovelace", "title": "T", "bio": "",
        "is_active": "on", "is_staff": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
        "photo": photo(),
    }  # fmt: skip
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _stored_photo(User.objects.get(pk=instructor.pk)) == ((PHOTO_SIDE, PHOTO_SIDE), "WEBP")
