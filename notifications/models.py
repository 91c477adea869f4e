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
        QUESTION = "question", "New question"
        DISCUSSION_REPLY = "discussion_reply", "New reply"
        ANSWER_ACCEPTED = "answer_accepted", "Answer accepted"
        POST_HIDDEN = "post_hidden", "Post hidden"
        ANNOUNCEMENT = "announcement", "Announcement"
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
    Notification.Kind.QUESTION: "See the question",
    Notification.Kind.DISCUSSION_REPLY: "See the reply",
    Notification.Kind.ANSWER_ACCEPTED: "See the discussion",
    Notification.Kind.POST_HIDDEN: "See the discussion",
    Notification.Kind.ANNOUNCEMENT: "Read the announcement",
}


class EmailCategory(models.TextChoices):
    """What a user may turn e-mail off for (/account/notifications/). Receipts
    and payment notices always go out: they are records of money."""

    REPLIES = "replies", "Answers and replies to what you wrote, and new questions in your courses"
    ANNOUNCEMENTS = "announcements", "Announcements from your instructors"
    COURSE_UPDATES = "course_updates", "Your progress: completed courses, certificates, reviewed assignments"
    RECEIPTS = "receipts", "Receipts and payment notices (always sent)"


# Which notifications are also e-mailed, and under which category; the others stay on the site.
EMAIL_CATEGORY_OF = {
    Notification.Kind.COMPLETED: EmailCategory.COURSE_UPDATES,
    Notification.Kind.REVIEW: EmailCategory.COURSE_UPDATES,
    Notification.Kind.REVIEW_REPLY: EmailCategory.REPLIES,
    Notification.Kind.REVIEW_HIDDEN: EmailCategory.COURSE_UPDATES,
    Notification.Kind.QUESTION: EmailCategory.REPLIES,
    Notification.Kind.DISCUSSION_REPLY: EmailCategory.REPLIES,
    Notification.Kind.ANSWER_ACCEPTED: EmailCategory.REPLIES,
    Notification.Kind.POST_HIDDEN: EmailCategory.COURSE_UPDATES,
    Notification.Kind.ANNOUNCEMENT: EmailCategory.ANNOUNCEMENTS,
    Notification.Kind.PAYMENT: EmailCategory.RECEIPTS,
    Notification.Kind.REFUND: EmailCategory.RECEIPTS,
}


class EmailPreferences(models.Model):
    """Which e-mails a user turned off. No row: everything on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="email_preferences"
    )
    replies = models.BooleanField(default=True)
    announcements = models.BooleanField(default=True)
    course_updates = models.BooleanField(default=True)

    CATEGORIES = ("replies", "announcements", "course_updates")

    class Meta:
        verbose_name_plural = "e-mail preferences"

    def __str__(self) -> str:
        return f"E-mail preferences of {self.user_id}"

    def wants(self, category: str) -> bool:
        return category == EmailCategory.RECEIPTS or getattr(self, category)


class EmailEvent(models.Model):
    """Something e-mailed to one or many users (an announcement, a reply, a
    receipt), stored once with what every recipient's e-mail says."""

    key = models.CharField(max_length=200, unique=True, help_text="What happened, e.g. announcement:12.")
    category = models.CharField(max_length=20, choices=EmailCategory.choices)
    template = models.CharField(max_length=100, help_text="notifications/email/<template>.txt and .html")
    subject = models.CharField(max_length=200)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.key


class EmailDelivery(models.Model):
    """One e-mail to one user for one event, recorded (unique) before it is
    sent and marked SENDING before the send is tried: a job that runs twice, a
    retry, or two workers never send it twice. A crash between SENDING and SENT
    leaves it SENDING for staff to look at, rather than risking a duplicate."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending (or interrupted)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(EmailEvent, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    context = models.JSONField(default=dict, blank=True, help_text="This recipient's own part (their link).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="email_delivery_once_per_event_and_user"),
        ]
        indexes = [models.Index(fields=["event", "status"])]
        verbose_name_plural = "e-mail deliveries"

    def __str__(self) -> str:
        return f"{self.event.key} → {self.user_id} ({self.status})"
