from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0008_module_drip"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="curriculum_revision",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
    ]
