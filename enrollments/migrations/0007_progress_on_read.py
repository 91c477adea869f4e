from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollments", "0006_enrollment_course_protected"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="progress_revision",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
    ]
