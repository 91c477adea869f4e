"""The writes below this app that change percentages: a curriculum edited in
`courses` (courses/signals.py), access given back in `enrollments`
(enrollments/signals.py); and content about to be removed, whose removal must
take the students' locks first. The receivers run inside the sender's transaction.
Connected by `LearningConfig.ready`."""

from django.dispatch import receiver

from courses.signals import curriculum_changed, curriculum_removing
from enrollments.signals import access_restored
from learning.services.progress import (
    course_enrollments_lock,
    course_progress_refresh,
    enrollment_progress_update,
)


@receiver(curriculum_changed, dispatch_uid="learning.curriculum_changed")
def curriculum_changed_refresh(sender, *, course_ids, **kwargs) -> None:
    course_progress_refresh(course_ids=course_ids)


@receiver(curriculum_removing, dispatch_uid="learning.curriculum_removing")
def curriculum_removing_lock(sender, *, course_ids, **kwargs) -> None:
    course_enrollments_lock(course_ids=course_ids)


@receiver(access_restored, dispatch_uid="learning.access_restored")
def access_restored_refresh(sender, *, enrollment, **kwargs) -> None:
    enrollment_progress_update(enrollment=enrollment)
