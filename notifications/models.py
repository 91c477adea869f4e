from django.conf import settings
from django.db import models


class Notification(models.Model):
    """Something a user should know, shown on /notifications/ and counted in the
    header badge. Created only through `notifications.services.notify`."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        COMPLETED = "completed", "Course completed"
        PAYMENT = "payment", "Payment"
        REFUND = "refund", "Refund"
        REVIEW = "review", "Assignment reviewed"
        REVIEW_REPLY = "review_reply", "Reply to your review"
        REVIEW_HIDDEN = "review_hidden", "Review hidden"
        INFO = "info", "Information"

    # Kinds a user receives at most once per course (a partial unique constraint each).
    ONCE_PER_COURSE = frozenset({Kind.COMPLETED})

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INFO)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    course = models.ForeignKey(
        "courses.Course", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where the notification leads (a path on this site), when not the course page.
    url = models.CharField(max_length=300, blank=True)
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read", "created_at"])]
        constraints = [
            # "Course completed" is sent once per student and course, whatever
            # happens to the curriculum afterwards.
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=models.Q(kind="completed"),
                name="notification_one_completed_per_course",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def link_text(self) -> str:
        """The words of the link to `url`."""
        return _LINK_TEXTS.get(self.kind, "Open")


_LINK_TEXTS = {
    Notification.Kind.COMPLETED: "View your certificate",
    Notification.Kind.REVIEW_REPLY: "See the reply",
    Notification.Kind.REVIEW_HIDDEN: "See your review",
}
