"""The writes below this app that change percentages: a curriculum edited in
`courses` (courses/signals.py), access given back in `enrollments`
(enrollments/signals.py); and content about to be removed, whose removal must
take the students' locks first. The receivers run inside the sender's transaction.
Connected by `LearningConfig.ready`.

A curriculum change only enqueues the refresh job (in the sender's transaction,
lms/jobs.py): the course's new revision already makes every page compute the
stale percentages on read, so the admin's request costs the same whatever the
number of students."""

from django.dispatch import receiver

from courses.signals import curriculum_changed, curriculum_removing
from enrollments.signals import access_restored
from learning.services.progress import course_enrollments_lock, enrollment_progress_update
from learning.tasks import progress_refresh
from lms.jobs import job_enqueue


@receiver(curriculum_changed, dispatch_uid="learning.curriculum_changed")
def curriculum_changed_refresh(sender, *, course_ids, **kwargs) -> None:
    job_enqueue(progress_refresh, course_ids=list(course_ids))


@receiver(curriculum_removing, dispatch_uid="learning.curriculum_removing")
def curriculum_removing_lock(sender, *, course_ids, **kwargs) -> None:
    course_enrollments_lock(course_ids=course_ids)


@receiver(access_restored, dispatch_uid="learning.access_restored")
def access_restored_refresh(sender, *, enrollment, **kwargs) -> None:
    enrollment_progress_update(enrollment=enrollment)
