from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse

ANNOUNCEMENT_MAX_LENGTH = 20_000


class Announcement(models.Model):
    """What an instructor tells every active student of a course at once:
    a notification each, and an e-mail to those who want it
    (community.announcements.services.announcement_publish)."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="announcements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField(validators=[MaxLengthValidator(ANNOUNCEMENT_MAX_LENGTH)], help_text="Markdown.")
    created_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(
        default=0, editable=False, help_text="Active students when sent."
    )
    # The form's one-time token: a double submit publishes once (null: written in the admin).
    token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        app_label = "community"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["course", "-created_at"])]
        constraints = [models.UniqueConstraint(fields=["author", "token"], name="announcement_once_per_form")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{reverse('courses:detail', kwargs={'slug': self.course.slug})}#announcement-{self.pk}"
