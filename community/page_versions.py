"""The anonymous page cache (lms/page_cache.py): a course's page lists its
reviews and its rating, and its card shows the rating, so a review written,
edited, answered, hidden, shown or deleted, and the course's figures refreshed,
bump the course's versions (courses/page_versions.py). Connected by
`CommunityConfig.ready`."""

from django.db.models.signals import post_delete, post_save

from community.models import CourseRating, Review
from courses.page_versions import course_pages_bump, course_slug_of


def _course_figures_written(sender, instance: Review | CourseRating, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    slug = course_slug_of(instance, "course")
    course_pages_bump(slugs=[slug]) if slug else course_pages_bump(course_ids=[instance.course_id])


def connect() -> None:
    for model in (Review, CourseRating):
        name = model._meta.model_name
        post_save.connect(_course_figures_written, sender=model, dispatch_uid=f"page_cache.{name}_saved")
        post_delete.connect(_course_figures_written, sender=model, dispatch_uid=f"page_cache.{name}_deleted")
