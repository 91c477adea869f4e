from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


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
    photo_url = models.URLField(blank=True)

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
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email.split("@")[0]

    @property
    def public_name(self) -> str:
        """How a student appears to other people (reviews, discussions): their
        first name and last initial, never any part of their e-mail address."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if not first:
            return "A student"
        return f"{first} {last[0]}." if last else first
