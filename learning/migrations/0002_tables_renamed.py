# The moved tables get the names Django gives this app's models (and their indexes).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('enrollments', '0004_notifications_and_learning_moved_out'),
        ('learning', '0001_initial'),
    ]

    operations = [
        migrations.RenameIndex(
            model_name='submission',
            new_name='learning_su_lesson__6c094e_idx',
            old_name='enrollments_lesson__5973de_idx',
        ),
        migrations.RenameIndex(
            model_name='submission',
            new_name='learning_su_user_id_52347e_idx',
            old_name='enrollments_user_id_0700da_idx',
        ),
        migrations.AlterModelTable(
            name='lessonprogress',
            table=None,
        ),
        migrations.AlterModelTable(
            name='quizattempt',
            table=None,
        ),
        migrations.AlterModelTable(
            name='submission',
            table=None,
        ),
    ]
