"""Helpers of the seed_demo tests."""

from io import StringIO
from pathlib import Path

from django.apps import apps
from django.core.management import call_command

from community.announcements.models import Announcement
from community.discussions.models import Question as DiscussionQuestion
from community.discussions.models import Reply
from community.models import CourseRating, Review
from courses.models import Choice, Course, Lesson, Module, Question, Quiz
from demo.catalogue import CATALOGUE_PATH
from enrollments.models import Enrollment
from learning.models import Certificate, LessonProgress, QuizAttempt, Submission
from lms.models import User
from notifications.models import Notification


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """The rows of every table, whichever app it belongs to."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def snapshot() -> dict[str, list[dict]]:
    """Every value of every seeded row, timestamps included."""
    models = [User, Course, Module, Lesson, Quiz, Question, Choice, Enrollment, Notification]
    models += [LessonProgress, QuizAttempt, Submission, Certificate, Review, CourseRating]
    models += [DiscussionQuestion, Reply, Announcement]
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


def broken_catalogue(tmp_path: Path, old: str, new: str, *, after: str = "") -> Path:
    """A copy of the data file with the first `old` (after the text `after`) replaced by `new`."""
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    assert old in text[start:], old
    path = tmp_path / "catalogue.toml"
    path.write_text(text[:start] + text[start:].replace(old, new, 1), encoding="utf-8")
    return path
