# The Notification model moves here from `enrollments` with every row: the
# table is kept (renamed in 0002), only Django's idea of which app owns it changes.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from lms.model_moves import content_types_move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('courses', '0004_curriculum_updated_at'),
        ('enrollments', '0003_learning'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('enrolled', 'Enrolled'), ('completed', 'Course completed'), ('payment', 'Payment'), ('refund', 'Refund'), ('review', 'Assignment reviewed'), ('info', 'Information')], default='info', max_length=20)),
                        ('title', models.CharField(max_length=200)),
                        ('message', models.TextField(blank=True)),
                        ('read', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('course', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='courses.course')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'enrollments_notification',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['user', 'read', 'created_at'], name='enrollments_user_id_20313a_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('kind', 'completed')), fields=('user', 'course'), name='notification_one_completed_per_course')],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_types_move(models=['notification'], from_app='enrollments', to_app='notifications'),
    ]
