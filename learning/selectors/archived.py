"""A student's own work on the lessons their instructor archived
(courses.services.archive): the lessons left the curriculum, the work did not.
The course page lists it under "Archived lessons"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, Subquery

from courses.models import Lesson
from learning.models import LessonProgress, QuizAttempt, Submission

if TYPE_CHECKING:
    from courses.models import Course
    from lms.models import User


@dataclass
class ArchivedLessonWork:
    lesson: Lesson
    completed_at: datetime | None
    submissions: list[Submission] = field(default_factory=list)  # newest first
    attempts: list[QuizAttempt] = field(default_factory=list)  # submitted ones, in order


def archived_work_get(*, user: User, course: Course) -> list[ArchivedLessonWork]:
    """The archived lessons of `course` `user` worked on (completed, submitted
    work for, or took the quiz of), in their old curriculum order, each with
    that work: three queries, whatever the number of lessons or attempts."""
    progress = LessonProgress.objects.filter(user=user, lesson=OuterRef("pk"))
    lessons = list(
        Lesson.objects.filter(module__course=course)
        .filter(Q(archived_at__isnull=False) | Q(module__archived_at__isnull=False))
        .filter(
            Exists(progress)
            | Exists(Submission.objects.filter(user=user, lesson=OuterRef("pk")))
            | Exists(
                QuizAttempt.objects.filter(user=user, quiz__lesson=OuterRef("pk"), submitted_at__isnull=False)
            )
        )
        .annotate(completed_at=Subquery(progress.values("completed_at")[:1]))
        .in_curriculum_order()
    )
    if not lessons:
        return []
    work = {
        lesson.pk: ArchivedLessonWork(lesson=lesson, completed_at=lesson.completed_at) for lesson in lessons
    }
    for submission in Submission.objects.filter(user=user, lesson__in=list(work)).order_by(
        "-submitted_at", "-pk"
    ):
        work[submission.lesson_id].submissions.append(submission)
    attempts = (
        QuizAttempt.objects.filter(user=user, quiz__lesson__in=list(work), submitted_at__isnull=False)
        .select_related("quiz")
        .order_by("attempt_number")
    )
    for attempt in attempts:
        work[attempt.quiz.lesson_id].attempts.append(attempt)
    return list(work.values())
