"""Uploaded pictures (course images, instructor photos): checked by their
content, never by their name, and re-encoded into the sizes the pages show.

An upload is refused with a form error when it is not a JPEG, PNG or WebP
picture Pillow can decode to the last byte (a text file renamed .png, a
truncated file), when its header announces more pixels than MAX_PIXELS (a
"decompression bomb": a few kilobytes that would decode to gigabytes; the
header is read before anything is decoded) or when it is smaller than the
page needs. What is stored for display is always our own re-encoding
(`rendition`): no metadata of the original (EXIF, GPS) reaches a visitor."""

from __future__ import annotations

import io
import warnings

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats a browser shows everywhere; anything else (GIF, BMP, TIFF, SVG, HEIC) is refused.
FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# 24 megapixels (6000 × 4000, a good camera's photo) decode to ~100 MB: more is refused unread.
MAX_PIXELS = 24_000_000
MAX_BYTES = 8 * 1024 * 1024
WEBP_QUALITY = 80

NOT_AN_IMAGE = "This file is not a picture we can read. Upload a JPEG, PNG or WebP image."


class PictureFormField(forms.ImageField):
    """Leaves the checking to the model field's ImageUploadValidator, which
    says what is wrong (too large, wrong format, too small, not a picture)
    where Django's own check only ever says "not a valid image"."""

    def to_python(self, data):
        return forms.FileField.to_python(self, data)


class PictureField(models.ImageField):
    """An ImageField whose uploads are checked by `ImageUploadValidator` alone
    (pass one in `validators`)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PictureFormField, **kwargs})


@deconstructible(path="lms.images.ImageUploadValidator")
class ImageUploadValidator:
    """The check of an ImageField's new upload (a stored file is not read again)."""

    def __init__(self, *, min_width: int, min_height: int) -> None:
        self.min_width, self.min_height = min_width, min_height

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ImageUploadValidator) and (self.min_width, self.min_height) == (
            other.min_width,
            other.min_height,
        )

    def __hash__(self) -> int:
        return hash((self.min_width, self.min_height))

    def __call__(self, value) -> None:
        if getattr(value, "_committed", True):
            return  # the file already stored, validated when it was uploaded
        image_check(value.file, min_width=self.min_width, min_height=self.min_height)


def image_check(file, *, min_width: int, min_height: int) -> tuple[int, int]:
    """(width, height) of the picture in `file`, or ValidationError saying
    what is wrong with it. Decodes it entirely (truncated files fail here)."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            f"This file is {size / 1024 / 1024:.1f} MB; a picture may be at most "
            f"{MAX_BYTES // 1024 // 1024} MB.",
            code="image_too_heavy",
        )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse them all.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file) as image:
                kind, (width, height) = image.format, image.size
                _check_header(kind, width, height, min_width=min_width, min_height=min_height)
                image.verify()  # structure and checksums, without decoding
            file.seek(0)
            with Image.open(file) as image:
                image.load()  # every pixel: a truncated file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_too_many_pixels(), code="image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValidationError(NOT_AN_IMAGE, code="not_a_picture") from error
    finally:
        file.seek(0)
    return width, height


def _too_many_pixels(width: int | None = None, height: int | None = None) -> str:
    announced = f" ({width} × {height} pixels)" if width and height else ""
    return (
        f"This picture is too large{announced}: at most {MAX_PIXELS // 1_000_000} megapixels. "
        "Resize it and upload it again."
    )


def _check_header(kind: str | None, width: int, height: int, *, min_width: int, min_height: int) -> None:
    if kind not in FORMATS:
        raise ValidationError(
            f"{kind or 'This format'} pictures are not accepted. Upload a JPEG, PNG or WebP image.",
            code="image_format",
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(_too_many_pixels(width, height), code="image_too_large")
    if width < min_width or height < min_height:
        raise ValidationError(
            f"This picture is {width} × {height} pixels; it must be at least "
            f"{min_width} × {min_height} to look sharp on the pages.",
            code="image_too_small",
        )


def image_open(file) -> Image.Image:
    """The checked picture in `file`, decoded, turned the way its camera said
    (EXIF orientation) and in a mode WebP stores."""
    file.seek(0)
    with Image.open(file) as opened:
        image = ImageOps.exif_transpose(opened)
        image.load()
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def rendition(image: Image.Image, *, width: int, height: int) -> ContentFile:
    """`image` cropped around its centre to width:height and scaled to that
    size, as WebP (the file every page serves; no metadata)."""
    fitted = ImageOps.fit(image, (width, height), method=Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    fitted.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    return ContentFile(buffer.getvalue())
