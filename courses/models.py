from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from courses.video import VideoEmbed, video_embed_for


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
    thumbnail_url = models.URLField(blank=True)
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

    objects = ModuleQuerySet.as_manager()

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


class Quiz(models.Model):
    """The graded part of a lesson of kind quiz (one quiz per lesson)."""

    class ShowAnswers(models.TextChoices):
        AFTER_EACH_ATTEMPT = "after_each_attempt", "After each attempt"
        AFTER_PASSING = "after_passing", "After passing"
        NEVER = "never", "Never"

    lesson = models.OneToOneField(
        Lesson,
        on_delete=models.CASCADE,
        related_name="quiz",
        limit_choices_to={"kind": Lesson.Kind.QUIZ},
    )
    pass_mark = models.PositiveSmallIntegerField(
        default=70,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent of the points needed to pass.",
    )
    max_attempts = models.PositiveSmallIntegerField(default=0, help_text="0 means unlimited.")
    time_limit_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Empty for no limit. A minute of grace is allowed for slow networks.",
    )
    shuffle_questions = models.BooleanField(default=False)
    show_answers = models.CharField(
        max_length=20,
        choices=ShowAnswers.choices,
        default=ShowAnswers.AFTER_PASSING,
        help_text="When a student sees the right answers and explanations.",
    )

    class Meta:
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=0, pass_mark__lte=100), name="quiz_pass_mark_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"Quiz: {self.lesson.title}"

    @property
    def is_unlimited(self) -> bool:
        return self.max_attempts == 0


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        TRUE_FALSE = "true_false", "True / false"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    prompt = models.TextField(help_text="Markdown.")
    explanation = models.TextField(blank=True, help_text="Markdown. Shown with the right answer.")
    points = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    order = models.PositiveIntegerField(default=0, db_index=False)

    class Meta:
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["quiz", "order"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=1), name="question_points_positive"),
        ]

    def __str__(self) -> str:
        first_line = (self.prompt or "").strip().splitlines()[0] if (self.prompt or "").strip() else ""
        return first_line[:80] or f"Question {self.pk}"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0, db_index=False)

    class Meta:
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["question", "order"])]

    def __str__(self) -> str:
        return self.text
