"""What an assignment file may be: at most 10 MB, one of a few document and
image types, and the content must agree with the name. The name alone is not
trusted (a renamed executable is refused), nor the browser's Content-Type."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS_DISPLAY = "pdf, docx, odt, txt, zip, png, jpg"


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str


PDF = FileType("pdf", "application/pdf")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
ODT = FileType("odt", "application/vnd.oasis.opendocument.text")
TXT = FileType("txt", "text/plain")
ZIP = FileType("zip", "application/zip")
PNG = FileType("png", "image/png")
JPG = FileType("jpg", "image/jpeg")

BY_EXTENSION = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".odt": ODT,
    ".txt": TXT,
    ".zip": ZIP,
    ".png": PNG,
    ".jpg": JPG,
    ".jpeg": JPG,
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def _head(file: UploadedFile, size: int) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head


def _zip_names(file: UploadedFile) -> list[str] | None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)


def _looks_like_text(file: UploadedFile) -> bool:
    """UTF-8 (or ASCII) without NUL bytes. Reads in chunks: up to 10 MB."""
    file.seek(0)
    tail = b""
    try:
        for chunk in file.chunks():
            data = tail + chunk
            if b"\x00" in data:
                return False
            try:
                data.decode("utf-8")
                tail = b""
            except UnicodeDecodeError as error:
                # A multi-byte character split across chunks: keep its start for the next round.
                if error.start < len(data) - 3 or error.reason != "unexpected end of data":
                    return False
                tail = data[error.start :]
        return not tail
    finally:
        file.seek(0)


def _content_matches(file: UploadedFile, expected: FileType) -> bool:
    head = _head(file, 128)  # enough for an ODT archive's leading "mimetype" entry
    if expected is PDF:
        return head.startswith(b"%PDF-")
    if expected is PNG:
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if expected is JPG:
        return head.startswith(b"\xff\xd8\xff")
    if expected is TXT:
        return _looks_like_text(file)
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return False
    names = _zip_names(file)
    if names is None:
        return False
    if expected is DOCX:
        return "[Content_Types].xml" in names and "word/document.xml" in names
    if expected is ODT:
        # The OpenDocument rule: a stored "mimetype" entry first, naming the type.
        return bool(names) and names[0] == "mimetype" and ODT_MIMETYPE in head
    return True  # any well-formed zip archive (a .docx sent as .zip is still a zip)


def submission_file_check(file: UploadedFile) -> FileType:
    """The file's type, or ValidationError with a message for the student."""
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "The file is larger than 10 MB (%(size).1f MB).", params={"size": file.size / 1024 / 1024}
        )
    if file.size == 0:
        raise ValidationError("The file is empty.")
    extension = PurePath(file.name or "").suffix.lower()
    expected = BY_EXTENSION.get(extension)
    if expected is None:
        raise ValidationError(f"Send a file of one of these types: {ALLOWED_EXTENSIONS_DISPLAY}.")
    if not _content_matches(file, expected):
        raise ValidationError(f"The file's content is not a {expected.name} file, whatever its name says.")
    return expected
