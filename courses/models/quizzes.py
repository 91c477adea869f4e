"""A quiz lesson's questions and choices (the course's content; the attempts
students make are `learning.models`)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from courses.models.content import Lesson


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
