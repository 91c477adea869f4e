# LessonProgress, QuizAttempt and Submission move here from `enrollments` with
# every row: the tables are kept (renamed in 0002), only Django's idea of which
# app owns them changes.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import learning.models
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
                    name='LessonProgress',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('completed_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('lesson', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='progress', to='courses.lesson')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lesson_progress', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'enrollments_lessonprogress',
                        'verbose_name_plural': 'lesson progress',
                        'constraints': [models.UniqueConstraint(fields=('user', 'lesson'), name='lesson_progress_one_per_user_lesson')],
                    },
                ),
                migrations.CreateModel(
                    name='QuizAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('attempt_number', models.PositiveSmallIntegerField()),
                        ('started_at', models.DateTimeField()),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('score', models.PositiveSmallIntegerField(blank=True, help_text='Percent, rounded down.', null=True)),
                        ('passed', models.BooleanField(default=False)),
                        ('timed_out', models.BooleanField(default=False)),
                        ('question_order', models.JSONField(default=list, help_text='Question ids in the order shown.')),
                        ('answers', models.JSONField(blank=True, default=list)),
                        ('quiz', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempts', to='courses.quiz')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quiz_attempts', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'enrollments_quizattempt',
                        'ordering': ['quiz', 'user', 'attempt_number'],
                        'constraints': [
                            models.UniqueConstraint(fields=('user', 'quiz', 'attempt_number'), name='quiz_attempt_number_unique'),
                            models.UniqueConstraint(condition=models.Q(('submitted_at__isnull', True)), fields=('user', 'quiz'), name='quiz_attempt_one_open'),
                            models.CheckConstraint(condition=models.Q(('score__isnull', True), models.Q(('score__gte', 0), ('score__lte', 100)), _connector='OR'), name='quiz_attempt_score_0_100'),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name='Submission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.TextField(blank=True)),
                        ('file', models.FileField(blank=True, max_length=300, upload_to=learning.models.submission_upload_to)),
                        ('file_name', models.CharField(blank=True, max_length=255)),
                        ('file_content_type', models.CharField(blank=True, max_length=100)),
                        ('file_size', models.PositiveIntegerField(default=0)),
                        ('status', models.CharField(choices=[('submitted', 'Awaiting review'), ('passed', 'Passed'), ('needs_work', 'Needs work')], default='submitted', max_length=12)),
                        ('feedback', models.TextField(blank=True)),
                        ('submitted_at', models.DateTimeField()),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('lesson', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='submissions', to='courses.lesson')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='submissions_reviewed', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='submissions', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'enrollments_submission',
                        'ordering': ['-submitted_at', '-pk'],
                        'indexes': [
                            models.Index(fields=['lesson', 'status'], name='enrollments_lesson__5973de_idx'),
                            models.Index(fields=['user', 'lesson', '-submitted_at'], name='enrollments_user_id_0700da_idx'),
                        ],
                        'constraints': [
                            models.UniqueConstraint(condition=models.Q(('status', 'submitted')), fields=('user', 'lesson'), name='submission_one_awaiting_review'),
                            models.UniqueConstraint(condition=models.Q(('status', 'passed')), fields=('user', 'lesson'), name='submission_one_passed'),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_types_move(models=['lessonprogress', 'quizattempt', 'submission'], from_app='enrollments', to_app='learning'),
    ]
