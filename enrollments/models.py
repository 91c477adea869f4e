from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class EnrollmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Enrollment.Status.ACTIVE)


class Enrollment(models.Model):
    """A student's access to a course. `progress_percent`, `completed_at` and
    `last_activity_at` are written by `learning.services` only."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    # A course anyone enrolled in is archived (its status), never deleted under them:
    # their progress, certificate and purchase hang on this row.
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="enrollments")
    # The payment that holds the access up. A reference by name to an app above
    # this one (payments): no Python import, and enrollments' services take its id.
    purchase = models.ForeignKey(
        "payments.Purchase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrollments",
        help_text="Empty for free courses.",
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    progress_percent = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # When the student last did something in the course (a lesson marked, a quiz
    # started or sent, an assignment sent); written by learning.services.
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # The course's `curriculum_revision` that `progress_percent` was computed for;
    # behind the course's, the stored percentage is stale: readers compute it
    # and a job refreshes it (learning.services.progress).
    progress_revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrollment_one_per_user_course"),
            models.CheckConstraint(
                condition=models.Q(progress_percent__gte=0, progress_percent__lte=100),
                name="enrollment_progress_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "status"]),
            models.Index(fields=["user", "status", "-enrolled_at"]),
            models.Index(fields=["course", "last_activity_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
