from django.db import migrations, models

import courses.models
import lms.images
import lms.storage


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0006_categories_level_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="image",
            field=lms.images.PictureField(
                blank=True,
                help_text="A JPEG, PNG or WebP picture of at least 800 × 450 pixels, shown 16:9 (cropped around "
                "its centre) on course cards and the course page.",
                max_length=200,
                storage=lms.storage.public_storage,
                upload_to=courses.models.course_image_upload_to,
                validators=[lms.images.ImageUploadValidator(min_height=450, min_width=800)],
            ),
        ),
        migrations.AddField(
            model_name="course",
            name="image_renditions",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        # thumbnail_url keeps its values; it is only no longer offered on the form.
        migrations.AlterField(
            model_name="course",
            name="thumbnail_url",
            field=models.URLField(blank=True, editable=False),
        ),
    ]
