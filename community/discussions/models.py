"""A lesson's questions and their replies. Written through
`community.discussions.services` only; read through its selectors, which ask
`community.discussions.policies` who may see what."""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse

POST_MAX_LENGTH = 10_000
TITLE_MAX_LENGTH = 200
# How long the author may change what they posted.
EDIT_WINDOW = timedelta(minutes=15)


class Post(models.Model):
    """What questions and replies share: an author, a Markdown body, the
    idempotency token of the form that sent it, the author's edits and the
    moderators' hiding."""

    # An account deleted later leaves its posts in the conversation, unsigned.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(validators=[MaxLengthValidator(POST_MAX_LENGTH)], help_text="Markdown.")
    # A fresh value in every form rendered; unique per author, so that a double
    # submit, a retry or two clicks post once (the second gets the first post).
    token = models.UUIDField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True, help_text="When the author last changed it.")
    # Moderation by the course's instructor or staff: the text leaves the page.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def editable_until(self):
        return self.created_at + EDIT_WINDOW


class Question(Post):
    """A student's (or the instructor's) question about a lesson."""

    # Student work: content it points at is archived, never deleted under it (courses.services.archive).
    lesson = models.ForeignKey("courses.Lesson", on_delete=models.PROTECT, related_name="questions")
    title = models.CharField(max_length=TITLE_MAX_LENGTH, help_text="Plain text.")

    class Meta:
        app_label = "community"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["lesson", "-created_at"]),
            models.Index(fields=["author", "created_at"]),  # the rate limit
        ]
        constraints = [
            models.UniqueConstraint(fields=["author", "token"], name="question_once_per_form"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """Needs the lesson's module and course (select_related)."""
        return reverse(
            "community:question", kwargs={"slug": self.lesson.module.course.slug, "question_id": self.pk}
        )


class Reply(Post):
    """A reply to a question; at most one per question is its accepted answer."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="replies")
    accepted_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was marked as the question's answer."
    )

    class Meta:
        app_label = "community"
        verbose_name_plural = "replies"
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["question", "created_at"]),
            models.Index(fields=["author", "created_at"]),  # the rate limit
        ]
        constraints = [
            models.UniqueConstraint(fields=["author", "token"], name="reply_once_per_form"),
            models.UniqueConstraint(
                fields=["question"],
                condition=models.Q(accepted_at__isnull=False),
                name="reply_one_accepted_per_question",
            ),
        ]

    def __str__(self) -> str:
        return f"Reply {self.pk} to {self.question_id}"

    def get_absolute_url(self) -> str:
        """Needs the question's lesson, module and course (select_related)."""
        return f"{self.question.get_absolute_url()}#reply-{self.pk}"

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None
