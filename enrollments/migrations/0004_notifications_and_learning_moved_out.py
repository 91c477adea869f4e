# Notification moved to `notifications`, LessonProgress, QuizAttempt and
# Submission to `learning` (their 0001 migrations): this app forgets them.
# Nothing happens in the database; the tables and their rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('enrollments', '0003_learning'),
        ('learning', '0001_initial'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Notification'),
                migrations.DeleteModel(name='LessonProgress'),
                migrations.DeleteModel(name='QuizAttempt'),
                migrations.DeleteModel(name='Submission'),
            ],
            database_operations=[],
        ),
    ]
