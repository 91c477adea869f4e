"""The job that stores the percentages a curriculum change made stale (lms/jobs.py
says how jobs are enqueued). Readers never wait for it: they compute a stale
percentage on read (learning.selectors.percentages)."""

from __future__ import annotations

from django_tasks import task

from learning.services.progress import course_progress_refresh


@task()
def progress_refresh(course_ids: list[int]) -> int:
    """Refresh the stale enrollments of the courses; safe to run twice or at once."""
    return course_progress_refresh(course_ids=course_ids)
