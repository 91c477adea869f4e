from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from courses.durations import format_duration
from courses.video import VideoEmbed, video_embed_for


class CourseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Course.Status.PUBLISHED)


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

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
        validators=[RegexValidator(r"^[a-z]{3}$", "A three-letter ISO currency code in lower case, e.g. usd.")],
        help_text="ISO 4217 code, lower case (usd, eur, jpy…).",
    )
    thumbnail_url = models.URLField(blank=True)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courses_taught"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="course_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:detail", kwargs={"slug": self.slug})

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Module(models.Model):
    """A section of a course's curriculum."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0, db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["course", "order"])]

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

    class Meta:
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["module", "order"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "courses:lesson", kwargs={"slug": self.module.course.slug, "lesson_id": self.pk}
        )

    @property
    def duration_display(self) -> str:
        return format_duration(self.duration)

    @property
    def video_embed(self) -> VideoEmbed | None:
        return video_embed_for(video_url=self.video_url, video_id=self.video_id)
