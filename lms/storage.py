"""Where public uploads live: course images and instructor photos.

MEDIA_ROOT is private (assignment submissions are streamed by a view that
checks access, never served at a URL), so what every visitor may see goes to a
storage of its own, PUBLIC_MEDIA_ROOT, served at PUBLIC_MEDIA_URL: by
runserver when DEBUG is on (lms/urls.py) and by nginx in production
(deploy/nginx/doctrina.conf, `location /media/`). File fields name the
callable `public_storage`, so migrations do not depend on the settings."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="lms.storage.PublicMediaStorage")
class PublicMediaStorage(FileSystemStorage):
    """A FileSystemStorage that reads PUBLIC_MEDIA_ROOT and PUBLIC_MEDIA_URL
    whenever it is used, so tests that point them at a temporary directory work."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PUBLIC_MEDIA_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> str:  # type: ignore[override]
        url = settings.PUBLIC_MEDIA_URL
        return url if url.endswith("/") else url + "/"

    @property
    def file_permissions_mode(self):  # type: ignore[override]
        return settings.FILE_UPLOAD_PERMISSIONS

    @property
    def directory_permissions_mode(self):  # type: ignore[override]
        return settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS


_public = PublicMediaStorage()


def public_storage() -> PublicMediaStorage:
    return _public
