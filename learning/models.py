import secrets
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse


class LessonProgress(models.Model):
    """A student's progress through one lesson. The row stays when a lesson is
    marked not complete again (completed_at goes back to empty)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    # Student work: content it points at is archived, never deleted under it (courses.services.archive).
    lesson = models.ForeignKey("courses.Lesson", on_delete=models.PROTECT, related_name="progress")
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_progress_one_per_user_lesson"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class QuizAttempt(models.Model):
    """One try at a quiz. Created when the student starts (so the time limit is
    measured from the server's clock) and graded once when submitted.

    `answers` is a snapshot taken at grading time, so a result stays readable
    after the instructor edits the quiz: a list of
    {"question": id, "choices": [ids chosen], "correct": bool, "points": earned,
    "out_of": the question's points} (earned is 0 in a late attempt)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    # Student work: content it points at is archived, never deleted under it (courses.services.archive).
    quiz = models.ForeignKey("courses.Quiz", on_delete=models.PROTECT, related_name="attempts")
    attempt_number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Percent, rounded down.")
    passed = models.BooleanField(default=False)
    timed_out = models.BooleanField(default=False)
    question_order = models.JSONField(default=list, help_text="Question ids in the order shown.")
    answers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["quiz", "user", "attempt_number"]
        indexes = [
            # The figures of a course's quizzes (teaching.selectors.quizzes) read
            # only these columns of the submitted attempts: an index-only scan
            # instead of the wide rows (question_order and answers).
            models.Index(
                fields=["quiz", "user", "score", "passed", "submitted_at"],
                condition=models.Q(submitted_at__isnull=False),
                name="quiz_attempt_submitted_scores",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz", "attempt_number"], name="quiz_attempt_number_unique"
            ),
            # At most one attempt in progress per student and quiz: a second tab
            # resumes it instead of starting another.
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=models.Q(submitted_at__isnull=True),
                name="quiz_attempt_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100),
                name="quiz_attempt_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} · #{self.attempt_number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


def submission_upload_to(instance: "Submission", filename: str) -> str:
    # An unguessable directory per file and a short name in it: the student's
    # own name (kept in `file_name` for the download) may be 255 characters of
    # UTF-8, more bytes than a file system allows in one name.
    return f"submissions/{uuid.uuid4().hex}/submission{PurePath(filename).suffix.lower()[:8]}"


class Submission(models.Model):
    """A student's work for an assignment lesson. While it waits for review the
    student may replace it; after "needs work" they send a new one; a pass is final."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting review"
        PASSED = "passed", "Passed"
        NEEDS_WORK = "needs_work", "Needs work"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    # Student work: content it points at is archived, never deleted under it (courses.services.archive).
    lesson = models.ForeignKey("courses.Lesson", on_delete=models.PROTECT, related_name="submissions")
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=submission_upload_to, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    file_content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    feedback = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions_reviewed",
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["lesson", "status"]),
            models.Index(fields=["user", "lesson", "-submitted_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson"],
                condition=models.Q(status="submitted"),
                name="submission_one_awaiting_review",
            ),
            models.UniqueConstraint(
                fields=["user", "lesson"],
                condition=models.Q(status="passed"),
                name="submission_one_passed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


def certificate_code() -> str:
    # 192 bits from the OS's CSPRNG, URL-safe: unguessable, so the public page
    # needs no login and reveals nothing about other certificates.
    return secrets.token_urlsafe(24)


class Certificate(models.Model):
    """Proof that a student completed a course: one per enrollment, issued the
    first time it reaches 100 % (learning.services.progress). What it certifies
    is copied at issue time, so renaming the course or the student later does
    not rewrite it. Public at /certificates/<code>/; revoked while the
    enrollment is (a refund or a dispute), valid again if access comes back."""

    enrollment = models.OneToOneField(
        "enrollments.Enrollment", on_delete=models.CASCADE, related_name="certificate"
    )
    code = models.CharField(max_length=64, unique=True, default=certificate_code, editable=False)
    student_name = models.CharField(max_length=300)
    course_title = models.CharField(max_length=200)
    instructor_name = models.CharField(max_length=300)
    completed_at = models.DateTimeField()
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.student_name} · {self.course_title}"

    def get_absolute_url(self) -> str:
        return reverse("learning:certificate", kwargs={"code": self.code})

    @property
    def is_revoked(self) -> bool:
        return self.enrollment.status != self.enrollment.Status.ACTIVE
