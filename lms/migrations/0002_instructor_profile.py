from django.db import migrations, models
from django.utils.text import slugify

import lms.images
import lms.models
import lms.storage


def slugs_backfill(apps, schema_editor):
    """A unique slug for every account, from its name (else its e-mail's local
    part, as `User.display_name` shows it): "maya-okafor", "maya-okafor-2"…
    Written here, not imported: history must not change with the model."""
    User = apps.get_model("lms", "User")
    taken = set(User.objects.exclude(slug=None).values_list("slug", flat=True))
    changed = []
    for user in User.objects.filter(slug=None).order_by("pk").only("pk", "first_name", "last_name", "email"):
        name = f"{user.first_name} {user.last_name}".strip() or user.email.split("@")[0]
        base = slugify(name)[:70].strip("-") or "instructor"
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        user.slug = candidate
        changed.append(user)
    User.objects.bulk_update(changed, ["slug"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="photo",
            field=lms.images.PictureField(
                blank=True,
                help_text="A JPEG, PNG or WebP picture of at least 200 × 200 pixels; it is cropped to a square.",
                max_length=200,
                storage=lms.storage.public_storage,
                upload_to=lms.models.instructor_photo_upload_to,
                validators=[lms.images.ImageUploadValidator(min_height=200, min_width=200)],
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="slug",
            field=models.SlugField(blank=True, editable=False, max_length=80, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="user",
            name="photo_url",
            field=models.URLField(blank=True, editable=False),
        ),
        migrations.RunPython(slugs_backfill, migrations.RunPython.noop, elidable=False),
    ]
