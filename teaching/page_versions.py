"""What renews the teaching pages that the logged-in page cache keeps
(lms/user_page_cache.py, teaching/views/common.py) beyond the versions they name.

A teaching page is kept for its viewer at most COUNTS_CACHE_SECONDS, and the
viewer's own writes renew it at once (every POST they make bumps their version:
lms/page_cache_middleware.py). What the dashboard lists for the instructor to act
on is renewed at once too, whoever writes it: a review or a course's rating
(the reviews and their total), a submission, a question or a reply (an
accepted answer), and the course itself (its row; a course given to someone
else leaves the old instructor's dashboard at once). Each renews the pages of
the course's instructor: one small query for who that is, unless the row came
with its course. What students do beyond that (progress, quiz attempts,
purchases, enrollments) shows within the minute, as the pages say."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save

from community.discussions.models import Question, Reply
from community.models import CourseRating, Review
from courses.models import Course
from learning.models import Submission
from lms.user_page_cache import user_pages_bump


def _bump(instructor_ids) -> None:
    user_pages_bump(pk for pk in instructor_ids if pk is not None)


def _course_saving(sender, instance: Course, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    instructors = {instance.instructor_id}
    # update_fields may name the field or its column (Course.save names every changed column).
    if instance.pk is not None and (update_fields is None or {"instructor", "instructor_id"} & update_fields):
        instructors.update(Course.objects.filter(pk=instance.pk).values_list("instructor_id", flat=True))
    _bump(instructors)


def _course_deleted(sender, instance: Course, **kwargs) -> None:
    _bump([instance.instructor_id])


# Where each row's course is, from the row: how to find its instructor.
_COURSE_OF = {
    Review: lambda row: {"pk": row.course_id},
    CourseRating: lambda row: {"pk": row.course_id},
    Submission: lambda row: {"modules__lessons": row.lesson_id},
    Question: lambda row: {"modules__lessons": row.lesson_id},
    Reply: lambda row: {"modules__lessons__questions": row.question_id},
}


def _row_written(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    course = getattr(sender, "course", None)
    if course is not None and course.is_cached(instance):  # came with its course: no query
        _bump([instance.course.instructor_id])
    else:
        _bump(Course.objects.filter(**_COURSE_OF[sender](instance)).values_list("instructor_id", flat=True))


def connect() -> None:
    """Called by TeachingConfig.ready."""
    pre_save.connect(_course_saving, sender=Course, dispatch_uid="teaching_pages.course_saving")
    post_delete.connect(_course_deleted, sender=Course, dispatch_uid="teaching_pages.course_deleted")
    for model in _COURSE_OF:
        for signal in (post_save, post_delete):
            uid = f"teaching_pages.{model._meta.label_lower}.{id(signal)}"
            signal.connect(_row_written, sender=model, dispatch_uid=uid)
