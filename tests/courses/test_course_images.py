"""Course pictures (issue 14): uploaded in the admin, checked by their content
(not their name), stored as 16:9 WebP renditions of the widths the pages use,
served with srcset, sizes, width and height; a generated placeholder otherwise."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from courses.models import Course
from courses.services import course_save
from lms.images import MAX_PIXELS, image_check
from lms.storage import public_storage
from tests.courses.test_admin import admin_url, form_data
from tests.factories import CourseFactory, course_with_curriculum

pytestmark = pytest.mark.django_db


def picture(width=1600, height=900, fmt="PNG", mode="RGB", name=None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), "#3366cc" if mode == "RGB" else 1).save(buffer, format=fmt)
    extension = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    return SimpleUploadedFile(name or f"cover.{extension}", buffer.getvalue())


def png_claiming(width: int, height: int) -> bytes:
    """A 100-byte PNG whose header announces width × height pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


# --- the check, by content --------------------------------------------------------------


def _refusal(upload) -> str:
    with pytest.raises(ValidationError) as refused:
        image_check(upload, min_width=800, min_height=450)
    return " ".join(refused.value.messages)


def test_a_text_file_named_png_is_not_a_picture():
    assert "not a picture" in _refusal(SimpleUploadedFile("cover.png", b"just some text, not pixels\n" * 40))


def test_a_truncated_png_is_refused():
    whole = picture().read()
    assert "not a picture" in _refusal(SimpleUploadedFile("cover.png", whole[: len(whole) // 2]))


def test_too_many_pixels_is_refused_before_decoding():
    # 6000 × 4200 = 25.2 megapixels: a real PNG of a few kilobytes.
    big = picture(6000, 4200, mode="1")
    assert MAX_PIXELS < 6000 * 4200
    assert "too large (6000 × 4200 pixels)" in _refusal(big)


def test_a_decompression_bomb_is_refused():
    # 40,000 × 40,000 announced (1.6 gigapixels) in 100 bytes: Pillow's own bomb check trips first.
    assert "too large" in _refusal(SimpleUploadedFile("bomb.png", png_claiming(40_000, 40_000)))
    assert "too large" in _refusal(SimpleUploadedFile("bomb.png", png_claiming(9_000, 9_000)))


def test_other_formats_and_small_pictures_are_refused():
    assert "BMP pictures are not accepted" in _refusal(picture(fmt="BMP", name="cover.png"))
    assert "GIF pictures are not accepted" in _refusal(picture(fmt="GIF"))
    assert "at least 800 × 450" in _refusal(picture(640, 360))


def test_good_png_jpeg_and_webp_pass():
    for fmt in ("PNG", "JPEG", "WEBP"):
        assert image_check(picture(fmt=fmt), min_width=800, min_height=450) == (1600, 900)


# --- renditions -------------------------------------------------------------------------


def _stored(course: Course) -> list[tuple[int, int, str]]:
    found = []
    for rendition in course.image_renditions:
        with public_storage().open(rendition["name"]) as file, Image.open(file) as image:
            found.append((*image.size, image.format))
            assert (rendition["width"], rendition["height"]) == image.size
    return found


@pytest.mark.parametrize(
    ("size", "fmt", "widths"),
    [
        ((2400, 1600), "PNG", [400, 800, 1600]),  # 3:2, cropped to 16:9
        ((1200, 900), "JPEG", [400, 800]),  # no 1600: never upscaled
    ],
)
def test_a_good_picture_gets_its_renditions(instructor, size, fmt, widths):
    course = CourseFactory(instructor=instructor, status=Course.Status.DRAFT)
    course.image = picture(*size, fmt=fmt)
    course_save(course=course, author=instructor)

    course.refresh_from_db()
    assert [r["width"] for r in course.image_renditions] == widths
    assert _stored(course) == [(w, w * 9 // 16, "WEBP") for w in widths]


def test_a_new_picture_replaces_the_old_files_and_clearing_removes_them(
    instructor, django_capture_on_commit_callbacks
):
    course = CourseFactory(instructor=instructor, status=Course.Status.DRAFT)
    course.image = picture()
    with django_capture_on_commit_callbacks(execute=True):
        course_save(course=course, author=instructor)
    old = [course.image.name, *(r["name"] for r in course.image_renditions)]

    course = Course.objects.get(pk=course.pk)
    course.image = picture(fmt="JPEG")
    with django_capture_on_commit_callbacks(execute=True):
        course_save(course=course, author=instructor)
    assert not any(public_storage().exists(name) for name in old)
    assert len(course.image_renditions) == 3

    current = [course.image.name, *(r["name"] for r in course.image_renditions)]
    course = Course.objects.get(pk=course.pk)
    course.image = ""
    with django_capture_on_commit_callbacks(execute=True):
        course_save(course=course, author=instructor)
    course.refresh_from_db()
    assert course.image_renditions == []
    assert not any(public_storage().exists(name) for name in current)


def test_saving_a_course_without_a_new_picture_keeps_its_renditions(instructor):
    course = CourseFactory(instructor=instructor, status=Course.Status.DRAFT)
    course.image = picture()
    course_save(course=course, author=instructor)
    renditions = course.image_renditions

    course = Course.objects.get(pk=course.pk)
    course.title = "Renamed"
    course_save(course=course, author=instructor)

    course.refresh_from_db()
    assert course.image_renditions == renditions
    assert all(public_storage().exists(r["name"]) for r in renditions)


# --- the admin --------------------------------------------------------------------------


@pytest.fixture
def admin_client_for(client, instructor):
    client.force_login(instructor)
    return client


def _post_with(client, course, upload):
    data = form_data(client.get(admin_url(Course, "change", course.pk)))
    data["image"] = upload
    return client.post(admin_url(Course, "change", course.pk), data)


def _bad_upload(kind: str) -> SimpleUploadedFile:
    if kind == "text":
        return SimpleUploadedFile("cover.png", b"not a picture at all\n" * 50)
    if kind == "truncated":
        whole = picture().read()
        return SimpleUploadedFile("cover.png", whole[: len(whole) * 2 // 3])
    if kind == "bomb":
        return SimpleUploadedFile("cover.png", png_claiming(40_000, 40_000))
    if kind == "too-many-pixels":
        return picture(6000, 4200, mode="1")
    if kind == "too-small":
        return picture(640, 360, fmt="JPEG")
    return picture(fmt="BMP", name="cover.png")


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("text", "not a picture we can read"),
        ("truncated", "not a picture we can read"),
        ("bomb", "too large"),
        ("too-many-pixels", "too large (6000 × 4200 pixels)"),
        ("too-small", "at least 800 × 450"),
        ("bmp", "BMP pictures are not accepted"),
    ],
)
def test_the_admin_refuses_a_bad_upload_with_a_form_error(admin_client_for, instructor, kind, says):
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor)

    response = _post_with(admin_client_for, course, _bad_upload(kind))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert says in " ".join(errors.get("image", [])), errors
    assert says in response.content.decode().replace("&#x27;", "'")
    course.refresh_from_db()
    assert not course.image and course.image_renditions == []
    assert not public_storage().exists("course-images")  # nothing stored


def test_the_admin_stores_a_good_upload_and_the_pages_serve_its_renditions(
    admin_client_for, instructor, client
):
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor)

    response = _post_with(admin_client_for, course, picture(1920, 1080, fmt="JPEG"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    course.refresh_from_db()
    urls = [public_storage().url(r["name"]) for r in course.image_renditions]
    assert [r["width"] for r in course.image_renditions] == [400, 800, 1600]
    assert all(url.startswith("/media/course-images/renditions/") for url in urls)

    client.logout()
    page = client.get(course.get_absolute_url()).content.decode()
    assert f'srcset="{urls[0]} 400w, {urls[1]} 800w, {urls[2]} 1600w"' in page
    assert 'width="800" height="450"' in page and f'src="{urls[1]}"' in page
    card = client.get(reverse("courses:catalogue")).content.decode()
    assert f"{urls[0]} 400w" in card and 'width="400" height="225"' in card and 'loading="lazy"' in card


def test_the_old_thumbnail_url_is_kept_but_no_longer_offered(admin_client_for, instructor):
    course = course_with_curriculum(modules=1, lessons_per_module=1, instructor=instructor)
    Course.objects.filter(pk=course.pk).update(thumbnail_url="https://example.com/old.png")

    data = form_data(admin_client_for.get(admin_url(Course, "change", course.pk)))
    assert "thumbnail_url" not in data and "image" not in data  # a file input: nothing prefilled
    assert admin_client_for.post(admin_url(Course, "change", course.pk), data).status_code == 302
    course.refresh_from_db()
    assert course.thumbnail_url == "https://example.com/old.png"


# --- the placeholder --------------------------------------------------------------------


def test_courses_without_a_picture_get_different_generated_placeholders(client):
    first = CourseFactory(title="Django for grown-ups")
    second = CourseFactory(title="Rust from scratch")

    html = client.get(reverse("courses:catalogue")).content.decode()

    assert f"placeholder--hue-{first.placeholder_hue}" in html
    assert f"placeholder--hue-{second.placeholder_hue}" in html
    assert first.placeholder_hue != second.placeholder_hue  # consecutive ids, neighbouring colours
    assert "<span>DF</span>" in html and "<span>RF</span>" in html
    assert "course-placeholder.svg" not in html and " style=" not in html
