"""The logged-in page cache (lms/user_page_cache.py): a lesson page shows the
lesson's questions and replies, and the course page its announcements, to the
course's students and instructor; a question, reply or announcement written,
edited, hidden, accepted or deleted bumps the course's talk version
(courses/page_versions.py). Connected by `CommunityConfig.ready`."""

from django.db.models.signals import post_delete, post_save

from community.announcements.models import Announcement
from community.discussions.models import Question, Reply
from courses.models import Course
from courses.page_versions import course_slug_of, course_talk_version_name
from lms.page_cache import version_bump


def _talk_bump(**course_filter) -> None:
    slugs = Course.objects.filter(**course_filter).values_list("slug", flat=True)
    version_bump(*(course_talk_version_name(slug) for slug in slugs))


def _question_written(sender, instance: Question, raw: bool = False, **kwargs) -> None:
    if not raw:
        _talk_bump(modules__lessons=instance.lesson_id)


def _reply_written(sender, instance: Reply, raw: bool = False, **kwargs) -> None:
    if not raw:
        _talk_bump(modules__lessons__questions=instance.question_id)


def _announcement_written(
    sender, instance: Announcement, raw: bool = False, update_fields=None, **kwargs
) -> None:
    if raw or (update_fields is not None and set(update_fields) <= {"recipients"}):
        return  # how many it was sent to is on no student's page
    slug = course_slug_of(instance, "course")
    if slug:
        version_bump(course_talk_version_name(slug))
    else:
        _talk_bump(pk=instance.course_id)


def connect() -> None:
    receivers = (
        (Question, _question_written),
        (Reply, _reply_written),
        (Announcement, _announcement_written),
    )
    for model, receiver in receivers:
        name = model._meta.model_name
        post_save.connect(receiver, sender=model, dispatch_uid=f"user_pages.{name}_saved")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"user_pages.{name}_deleted")
