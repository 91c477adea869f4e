import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    """Scheduled ("drip") modules: a module opens some days after enrollment or
    on a date. Both fields are nullable: every existing module stays open."""

    dependencies = [
        ("courses", "0007_course_images"),
    ]

    operations = [
        migrations.AddField(
            model_name="module",
            name="opens_after_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Opens this many days after the student enrolls (at the start of that day). "
                "Leave empty to open it on enrollment.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(3650),
                ],
            ),
        ),
        migrations.AddField(
            model_name="module",
            name="opens_on",
            field=models.DateField(
                blank=True,
                help_text="Or: opens to every student on this date. Leave empty to open it on enrollment.",
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="module",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("opens_after_days__isnull", True), ("opens_on__isnull", True), _connector="OR"
                ),
                name="module_opens_one_way",
                violation_error_message="Choose a number of days after enrollment or a date, not both.",
            ),
        ),
        migrations.AddConstraint(
            model_name="module",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("opens_after_days__isnull", True), ("opens_after_days__gte", 1), _connector="OR"
                ),
                name="module_opens_after_days_positive",
                violation_error_message="The number of days after enrollment is at least 1.",
            ),
        ),
    ]
