# Students who completed a course before certificates existed get theirs, as if
# issued when they completed it (certificates are issued on completion from now on).

import secrets

from django.db import migrations


def _display_name(user) -> str:
    full = f"{user.first_name} {user.last_name}".strip()
    return full or user.email.split("@")[0]


def issue(apps, schema_editor):
    enrollment_model = apps.get_model("enrollments", "Enrollment")
    certificate_model = apps.get_model("learning", "Certificate")
    completed = (
        enrollment_model.objects.filter(completed_at__isnull=False, certificate__isnull=True)
        .select_related("user", "course__instructor")
        .iterator(chunk_size=2000)
    )
    batch = []
    for enrollment in completed:
        batch.append(
            certificate_model(
                enrollment=enrollment,
                code=secrets.token_urlsafe(24),
                student_name=_display_name(enrollment.user),
                course_title=enrollment.course.title,
                instructor_name=_display_name(enrollment.course.instructor),
                completed_at=enrollment.completed_at,
            )
        )
        if len(batch) == 2000:
            certificate_model.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    certificate_model.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("enrollments", "0004_notifications_and_learning_moved_out"),
        ("learning", "0003_certificate"),
    ]

    operations = [migrations.RunPython(issue, migrations.RunPython.noop)]
