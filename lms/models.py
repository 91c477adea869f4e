from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.text import slugify

from lms.images import ImageUploadValidator, PictureField
from lms.storage import public_storage


class EmailUserManager(UserManager):
    """A user manager for accounts identified by e-mail, compared case-insensitively."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


# Instructor photos are stored cropped to a square of this side (lms.services.user_profile_save).
PHOTO_SIDE = 400
PHOTO_MIN_SIDE = 200


def instructor_photo_upload_to(instance: User, filename: str) -> str:
    # A fresh, unguessable name per upload: a replaced photo never shows from a cache.
    return f"instructor-photos/{uuid.uuid4().hex}.webp"


def user_slug_unique(name: str, *, taken: Callable[[str], bool]) -> str:
    """A slug for `name` that `taken` says is free: "maya-okafor", else
    "maya-okafor-2", "-3"… (the migration that added slugs uses it too)."""
    base = slugify(name)[:70].strip("-") or "instructor"
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


class User(AbstractUser):
    """A Doctrina account. Students and instructors are both users; an
    instructor additionally has `is_instructor`, staff access and the
    "Instructors" group (see `lms.services.user_make_instructor`)."""

    username = None
    email = models.EmailField("e-mail address", unique=True)
    is_instructor = models.BooleanField(
        default=False,
        help_text="May author courses in the admin. Set with the “Make instructor” action.",
    )
    # The instructor profile shown on course pages.
    title = models.CharField(max_length=120, blank=True, help_text="E.g. “Senior Django developer”.")
    bio = models.TextField(blank=True)
    # Their page's address, /instructors/<slug>/ (courses.instructors): set once
    # from their name when the account is saved, then kept (links stay valid).
    # Empty only for rows written with bulk_create (benchmark seeds, tests).
    slug = models.SlugField(max_length=80, unique=True, null=True, blank=True, editable=False)
    photo = PictureField(
        upload_to=instructor_photo_upload_to,
        storage=public_storage,
        blank=True,
        max_length=200,
        validators=[ImageUploadValidator(min_width=PHOTO_MIN_SIDE, min_height=PHOTO_MIN_SIDE)],
        help_text=f"A JPEG, PNG or WebP picture of at least {PHOTO_MIN_SIDE} × {PHOTO_MIN_SIDE} pixels; "
        "it is cropped to a square.",
    )
    # Before uploads: shown only while there is no `photo` (kept, not offered for editing).
    photo_url = models.URLField(blank=True, editable=False)

    objects = EmailUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        # One spelling per address: "Ann@Example.com" and "ann@example.com" are one account.
        self.email = (self.email or "").strip().lower()
        if not self.slug:
            self.slug = user_slug_unique(
                self.display_name, taken=lambda slug: User.objects.filter(slug=slug).exists()
            )
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "slug"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email.split("@")[0]

    @property
    def photo_src(self) -> str:
        """The photo to show: the uploaded one, else the address set before
        uploads existed, else "" (pages then show the initials)."""
        return self.photo.url if self.photo else self.photo_url

    @property
    def initials(self) -> str:
        words = self.display_name.split()
        return "".join(word[0] for word in words[:2]).upper()

    @property
    def public_name(self) -> str:
        """How a student appears to other people (reviews, discussions): their
        first name and last initial, never any part of their e-mail address."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if not first:
            return "A student"
        return f"{first} {last[0]}." if last else first
