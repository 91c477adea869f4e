"""A course's picture: the renditions the pages serve, made when it is saved.

Cards show the picture at most ~400 CSS pixels wide (800 on a 2x screen), the
course page's header at most ~800 (1600): every rendition is cropped to 16:9
around the centre, so the pages give each <img> its width and height and
nothing moves while it loads. A width larger than the upload is not made (no
upscaling); the upload is at least IMAGE_MIN_WIDTH wide, so 400 and 800 always are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

from django.db import transaction

from courses.models import Course
from lms.images import image_open, rendition
from lms.storage import public_storage

RENDITION_WIDTHS = (400, 800, 1600)
ASPECT = (16, 9)


def _height(width: int) -> int:
    return width * ASPECT[1] // ASPECT[0]


def course_image_renditions_make(*, course: Course) -> list[dict]:
    """Write the renditions of `course.image` (stored already) and return their
    list for `Course.image_renditions`; [] when the course has no picture."""
    if not course.image:
        return []
    storage = public_storage()
    with course.image.open("rb") as file:
        image = image_open(file)
    # The largest 16:9 box inside the picture: what every rendition is cut from.
    usable = min(image.width, image.height * ASPECT[0] // ASPECT[1])
    stem = PurePosixPath(course.image.name).stem
    made = []
    for width in RENDITION_WIDTHS:
        if width > usable and made:
            break
        name = storage.save(
            f"course-images/renditions/{stem}-{width}w.webp",
            rendition(image, width=width, height=_height(width)),
        )
        made.append({"name": name, "width": width, "height": _height(width)})
    return made


def _files_delete(names: list[str]) -> None:
    storage = public_storage()
    for name in names:
        storage.delete(name)


@contextmanager
def course_image_saving(*, course: Course) -> Iterator[None]:
    """Around the save of `course` (inside its transaction): when the form
    brought a new picture or cleared it, make the new renditions once the
    upload is stored and, after the commit, delete the files of the picture
    it replaces (a rollback keeps them)."""
    new_upload = bool(course.image) and not course.image._committed
    cleared = course.pk is not None and not course.image and bool(course.image_renditions)
    if not (new_upload or cleared):
        yield  # the picture did not change: no query, no file
        return
    previous = (
        Course.objects.filter(pk=course.pk).values("image", "image_renditions").first() if course.pk else None
    )
    yield
    course.image_renditions = course_image_renditions_make(course=course)
    Course.objects.filter(pk=course.pk).update(image_renditions=course.image_renditions)
    if previous and previous["image"] and previous["image"] != course.image.name:
        stale = [previous["image"], *(r["name"] for r in previous["image_renditions"] or [])]
        transaction.on_commit(lambda: _files_delete(stale))
