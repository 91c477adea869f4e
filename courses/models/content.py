from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from courses.video import VideoEmbed, video_embed_for
from lms.images import ImageUploadValidator, PictureField
from lms.storage import public_storage


class Category(models.Model):
    """A subject of the catalogue ("Web development"). Staff keep the list in
    the admin; an instructor files their course under one or more of them."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=90, unique=True, help_text="Its part of the catalogue's address.")
    order = models.PositiveIntegerField(default=0, help_text="Lower comes first in the catalogue's list.")

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


# The languages a course may be taught in (a short list an instructor picks from;
# add to it as the catalogue grows: a new entry needs a migration of its choices).
COURSE_LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("ja", "Japanese"),
    ("zh", "Chinese"),
]


# A course's picture: at least this large, cropped to 16:9 (courses.services.images).
IMAGE_MIN_WIDTH, IMAGE_MIN_HEIGHT = 800, 450
# Placeholder colours (static/css/site.css, .placeholder--hue-0 … -7), one per course by its id.
PLACEHOLDER_HUES = 8


def course_image_upload_to(instance: Course, filename: str) -> str:
    # An unguessable name per upload: renditions are cached for a year under names derived from it.
    # The extension is one of the formats the validator lets in, never the uploader's own choice.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    extension = {"jpeg": "jpg", "jpg": "jpg", "png": "png", "webp": "webp"}.get(extension, "bin")
    return f"course-images/{uuid.uuid4().hex}.{extension}"


class CourseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Course.Status.PUBLISHED)


class Course(models.Model):
    """A course. Its status says who may *join* it: only a published course is in
    the catalogue, for sale and open to new students. A draft (not launched yet,
    or pulled back) and an archived course (retired) are closed to new students,
    but whoever is enrolled keeps it, whatever its status
    (`enrollments.policies.courses_visible_to`)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class Level(models.TextChoices):
        ALL = "all", "All levels"
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"
        ADVANCED = "advanced", "Advanced"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    subtitle = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="0 makes the course free.",
    )
    currency = models.CharField(
        max_length=3,
        default="usd",
        validators=[
            RegexValidator(r"^[a-z]{3}$", "A three-letter ISO currency code in lower case, e.g. usd.")
        ],
        help_text="ISO 4217 code, lower case (usd, eur, jpy…).",
    )
    image = PictureField(
        upload_to=course_image_upload_to,
        storage=public_storage,
        blank=True,
        max_length=200,
        validators=[ImageUploadValidator(min_width=IMAGE_MIN_WIDTH, min_height=IMAGE_MIN_HEIGHT)],
        help_text=f"A JPEG, PNG or WebP picture of at least {IMAGE_MIN_WIDTH} × {IMAGE_MIN_HEIGHT} pixels, "
        "shown 16:9 (cropped around its centre) on course cards and the course page.",
    )
    # The sizes the pages serve, made from `image` when it is saved
    # (courses.services.images): [{"name", "width", "height"}, …], smallest first.
    image_renditions = models.JSONField(default=list, blank=True, editable=False)
    # Before uploads: kept (Stripe Checkout shows it), no longer edited nor shown on
    # the pages, whose Content-Security-Policy only loads this site's images.
    thumbnail_url = models.URLField(blank=True, editable=False)
    categories = models.ManyToManyField(
        Category, blank=True, related_name="courses", help_text="Where the catalogue lists the course."
    )
    level = models.CharField(
        max_length=12,
        choices=Level.choices,
        default=Level.ALL,
        help_text="Who the course is for; “All levels” when it suits beginners and experts alike.",
    )
    language = models.CharField(
        max_length=8, choices=COURSE_LANGUAGES, default="en", help_text="The language it is taught in."
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courses_taught"
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Published: in the catalogue and open to new students. Draft or archived: closed to "
        "new students; the students already enrolled keep the course.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Counts the changes of the list of lessons (courses.services.authoring bumps
    # it with `curriculum_changed`); an enrollment whose percentage was computed
    # for an older one is recomputed on read and by a job (learning.services.progress).
    curriculum_revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="course_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # `curriculum_revision` only moves by its own UPDATE (curriculum_changed_send):
        # saving a course read before a lesson was added must not put back the older number.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname != "curriculum_revision"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("courses:detail", kwargs={"slug": self.slug})

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def image_sources(self) -> list[dict]:
        """The renditions of the uploaded picture ({"url", "width", "height"}),
        smallest first; [] when there is none (the pages show the placeholder)."""
        return [
            {"url": public_storage().url(r["name"]), "width": r["width"], "height": r["height"]}
            for r in self.image_renditions or []
        ]

    @property
    def image_src(self) -> str:
        """The rendition for browsers without srcset: 800 wide, or the largest below."""
        sources = [s for s in self.image_sources if s["width"] <= 800] or self.image_sources
        return sources[-1]["url"] if sources else ""

    @property
    def image_srcset(self) -> str:
        return ", ".join(f"{source['url']} {source['width']}w" for source in self.image_sources)

    @property
    def placeholder_hue(self) -> int:
        """Which of the placeholder's colours this course gets: the same on every page."""
        return (self.pk or 0) % PLACEHOLDER_HUES

    @property
    def initials(self) -> str:
        """Up to two letters for the placeholder: "Django for grown-ups" -> "DF"."""
        words = [word for word in self.title.split() if word[:1].isalnum()]
        return "".join(word[0] for word in words[:2]).upper() or "?"


class ModuleQuerySet(models.QuerySet):
    def in_curriculum(self):
        """Modules that are part of their course (not archived)."""
        return self.filter(archived_at__isnull=True)


class LessonQuerySet(models.QuerySet):
    def in_curriculum(self):
        """Lessons that are part of their course: neither they nor their module
        are archived. Every count, order, percentage and "next lesson" is over
        these; an archived lesson only keeps its students' work (courses.services.archive)."""
        return self.filter(archived_at__isnull=True, module__archived_at__isnull=True)

    def in_curriculum_order(self):
        """The one order of a course's lessons: module by module (the modules'
        order), then the lessons' order inside each. Pages, "continue" and the
        first lesson all sort with it."""
        return self.order_by("module__order", "module__pk", "order", "pk")


class Module(models.Model):
    """A section of a course's curriculum."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0, db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Part of the curriculum's cache version (courses/curriculum.py): every write sets it.
    updated_at = models.DateTimeField(auto_now=True)
    # Set instead of deleting a module students have worked in (courses.services.archive):
    # it leaves the curriculum with its lessons, their work stays; a superuser restores it.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Scheduled ("drip") modules: at most one of the two; neither opens it with the
    # enrollment. When it opens for a student is `enrollments.policies.module_opens_at`.
    opens_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Opens this many days after the student enrolls (at the start of that day). "
        "Leave empty to open it on enrollment.",
    )
    opens_on = models.DateField(
        null=True,
        blank=True,
        help_text="Or: opens to every student on this date. Leave empty to open it on enrollment.",
    )

    objects = ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["course", "order"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_after_days__isnull=True) | models.Q(opens_on__isnull=True),
                name="module_opens_one_way",
                violation_error_message="Choose a number of days after enrollment or a date, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(opens_after_days__isnull=True) | models.Q(opens_after_days__gte=1),
                name="module_opens_after_days_positive",
                violation_error_message="The number of days after enrollment is at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        TEXT = "text", "Text"
        QUIZ = "quiz", "Quiz"
        ASSIGNMENT = "assignment", "Assignment"

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.VIDEO)
    duration = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(24 * 3600)], help_text="Seconds."
    )
    video_url = models.URLField(blank=True, help_text="A YouTube or Vimeo link.")
    video_id = models.CharField(
        max_length=64, blank=True, help_text="Or just the YouTube id (e.g. dQw4w9WgXcQ) or Vimeo number."
    )
    content = models.TextField(blank=True, help_text="Markdown.")
    is_preview = models.BooleanField(
        default=False, help_text="Anyone may open a preview lesson of a published course."
    )
    order = models.PositiveIntegerField(default=0, db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Part of the curriculum's cache version (courses/curriculum.py): every write sets it.
    updated_at = models.DateTimeField(auto_now=True)
    # Set instead of deleting a lesson students have worked on (courses.services.archive).
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["module", "order"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:lesson", kwargs={"slug": self.module.course.slug, "lesson_id": self.pk})

    @property
    def is_archived(self) -> bool:
        """Out of the curriculum, itself or with its module (reads `module`)."""
        return self.archived_at is not None or self.module.archived_at is not None

    @property
    def video_embed(self) -> VideoEmbed | None:
        return video_embed_for(video_url=self.video_url, video_id=self.video_id)
