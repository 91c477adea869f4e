# Every enrollment's last activity, from what its student did before the field
# existed: the latest of their lesson progress, quiz attempts and submissions in
# the course. One UPDATE (per database round), whatever the number of students.

from datetime import UTC, datetime

from django.db import migrations
from django.db.models import DateTimeField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def backfill(apps, schema_editor):
    enrollment = apps.get_model("enrollments", "Enrollment")
    progress = apps.get_model("learning", "LessonProgress")
    attempt = apps.get_model("learning", "QuizAttempt")
    submission = apps.get_model("learning", "Submission")

    def latest(model, lesson_path: str, field: str):
        rows = (
            model.objects.filter(user_id=OuterRef("user_id"), **{f"{lesson_path}module__course_id": OuterRef("course_id")})
            .order_by()
            .values("user_id")
            .annotate(at=Max(field))
            .values("at")
        )
        return Coalesce(Subquery(rows, output_field=DateTimeField()), Value(NEVER))

    enrollment.objects.update(
        last_activity_at=Greatest(
            latest(progress, "lesson__", "updated_at"),
            latest(attempt, "quiz__lesson__", "started_at"),
            latest(submission, "lesson__", "submitted_at"),
            output_field=DateTimeField(),
        )
    )
    enrollment.objects.filter(last_activity_at=NEVER).update(last_activity_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("enrollments", "0005_enrollment_last_activity"),
        ("learning", "0004_certificates_for_completed_enrollments"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
