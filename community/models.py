from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models

REVIEW_MAX_LENGTH = 5_000


class Review(models.Model):
    """A student's review of a course: one per student and course, written and
    changed through `community.services` only. It counts (on the page and in
    the figures) while it is not hidden and its author's enrollment is active."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    # A student's words: a course with reviews is archived (its status), never deleted under them.
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    body = models.TextField(
        blank=True, validators=[MaxLengthValidator(REVIEW_MAX_LENGTH)], help_text="Markdown."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True, help_text="When the author last changed it.")
    # The course's instructor answers once, and may edit the answer.
    reply = models.TextField(blank=True, validators=[MaxLengthValidator(REVIEW_MAX_LENGTH)])
    replied_at = models.DateTimeField(null=True, blank=True)
    reply_edited_at = models.DateTimeField(null=True, blank=True)
    # Moderation by staff; a hidden review leaves the page and the figures.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["course", "-created_at"]),
            models.Index(fields=["course", "rating"]),
            # The newest reviews of many courses (the teaching dashboard of a
            # superuser, the admin's list): walked newest first, not sorted.
            models.Index(fields=["-created_at", "-id"], name="review_newest"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="review_one_per_student_course"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_5"
            ),
        ]
        permissions = [("moderate_review", "Can hide and show reviews")]

    def __str__(self) -> str:
        return f"{self.user} on {self.course}: {self.rating}★"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CourseRating(models.Model):
    """A course's rating figures, written in the same transaction as every
    change that moves them (a review written, edited, deleted, hidden or shown;
    its author's access revoked or given back) by `course_rating_refresh`, so
    that reading them costs nothing and they are never stale."""

    course = models.OneToOneField(
        "courses.Course", on_delete=models.CASCADE, primary_key=True, related_name="rating"
    )
    count = models.PositiveIntegerField(default=0)
    average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.course_id}: {self.average} ({self.count})"

    @property
    def distribution(self) -> list[tuple[int, int, int]]:
        """(stars, count, percent of the ratings) from 5 stars down to 1."""
        rows = []
        for stars in (5, 4, 3, 2, 1):
            count = getattr(self, f"stars_{stars}")
            rows.append((stars, count, round(count * 100 / self.count) if self.count else 0))
        return rows


# The models of community's other parts, so that Django finds them.
from community.announcements.models import Announcement  # noqa: E402, F401
from community.discussions.models import Question, Reply  # noqa: E402, F401
