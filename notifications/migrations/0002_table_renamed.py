# The moved tables get the names Django gives this app's models (and their indexes).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('enrollments', '0004_notifications_and_learning_moved_out'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.RenameIndex(
            model_name='notification',
            new_name='notificatio_user_id_90f4cc_idx',
            old_name='enrollments_user_id_20313a_idx',
        ),
        migrations.AlterModelTable(
            name='notification',
            table=None,
        ),
    ]
