"""The anonymous page cache (lms/page_cache.py): a course's student count is on
its page and its card, so an enrollment created, deleted or whose status changes
bumps the course's versions (courses/page_versions.py). Progress writes
(`update_fields` without status) change nothing those pages show. Connected by
`EnrollmentsConfig.ready`."""

from django.db.models.signals import post_delete, post_save

from courses.page_versions import course_pages_bump, course_slug_of
from enrollments.models import Enrollment


def _enrollment_written(
    sender, instance: Enrollment, raw: bool = False, update_fields=None, **kwargs
) -> None:
    if raw or (update_fields is not None and "status" not in update_fields):
        return
    slug = course_slug_of(instance, "course")
    course_pages_bump(slugs=[slug]) if slug else course_pages_bump(course_ids=[instance.course_id])


def connect() -> None:
    post_save.connect(_enrollment_written, sender=Enrollment, dispatch_uid="page_cache.enrollment_saved")
    post_delete.connect(_enrollment_written, sender=Enrollment, dispatch_uid="page_cache.enrollment_deleted")
