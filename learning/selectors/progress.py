"""Reads about a student's progress: which lessons they completed, where they
continue, and My learning. Each runs a fixed number of queries, whatever the
size of the course."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, Expression, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from courses.catalogue import card_stat_names
from courses.curriculum import curriculum_get
from courses.models import Lesson
from enrollments.models import Enrollment
from enrollments.policies import module_closed_until
from enrollments.selectors import viewer_enrollment
from learning.models import LessonProgress
from learning.selectors.cards import enrollment_cards
from learning.selectors.percentages import progress_current_annotation, progress_current_apply
from lms.sql import precompiled

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Course
    from lms.models import User


def completed_lesson_ids_get(*, user: User | AnonymousUser, course: Course) -> frozenset[int]:
    """The lessons of `course` that `user` has completed: one query (none for
    the anonymous). The pages pair it with the cached curriculum."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(
        LessonProgress.objects.filter(
            user=user, lesson__module__course=course, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )


def continue_lesson_id_expression() -> Expression:
    """Where "Continue" leads, for the enrollment row the expression is
    annotated on: the first lesson of its course the student has not completed,
    in curriculum order; the first lesson when every one is done; None for a
    course without lessons. Compiled once per process (lms/sql.py). My learning
    applies the same rule to all its cards at once, in one grouped join
    (learning/selectors/cards.py; tests/learning/test_dashboard_cards.py checks
    they agree)."""
    return precompiled(Enrollment, _continue_lesson_id)


def _continue_lesson_id() -> Expression:
    in_order = Lesson.objects.filter(module__course=OuterRef("course")).in_curriculum().in_curriculum_order()
    completed = LessonProgress.objects.filter(
        user=OuterRef(OuterRef("user")), lesson=OuterRef("pk"), completed_at__isnull=False
    )
    first_open = in_order.exclude(Exists(completed)).values("pk")[:1]
    return Coalesce(Subquery(first_open), Subquery(in_order.values("pk")[:1]))


# A lesson's title is its page's <h1 id="lesson-title">: arriving with this
# fragment, static/js/lesson-title-focus.js moves keyboard focus to it.
LESSON_TITLE_FRAGMENT = "#lesson-title"


@dataclass(frozen=True)
class NextStep:
    """Where a student goes once they have finished a lesson."""

    # "lesson": the next lesson in curriculum order; "completed": the
    # course-completed page (the last lesson, every lesson done); "continue":
    # the first lesson still to do (the last lesson, some left undone earlier);
    # "course": the course page (no lesson to go to); "opens_later": the next
    # lesson's module is not open to the student yet (drip): the course page,
    # which says when (`title` is the module's, `opens_at` when it opens).
    kind: str
    url: str
    title: str = ""
    opens_at: datetime | None = None


def next_step_get(*, user: User, lesson: Lesson) -> NextStep:
    """Where "Complete and continue" and a passed quiz's "Next lesson" lead: the next
    lesson (`Curriculum.neighbours`, the one rule for "next"), else the
    course-completed page when the student stands at 100 %, else where
    "Continue" leads (`continue_lesson_id_expression`). One query when the
    curriculum is cached and there is a next lesson, one more on the last
    lesson. `lesson.module.course` must be loaded.

    A next lesson in a module not open to the student yet (drip) is not
    skipped: "opens_later" tells when it opens and leads to the course page
    (one more query, only when that module has a schedule)."""
    course = lesson.module.course
    curriculum = curriculum_get(course=course)
    _previous, following = curriculum.neighbours(lesson.pk)
    if following is not None:
        module = curriculum.module_of(following.pk)
        if module is not None and not following.is_preview and (module.opens_on or module.opens_after_days):
            enrollment = viewer_enrollment(user=user, course=course)
            enrolled_at = enrollment.enrolled_at if enrollment is not None else None
            opens_at = module_closed_until(user, module, course=course, enrolled_at=enrolled_at)
            if opens_at is not None:
                url = course.get_absolute_url() + "#curriculum-heading"
                return NextStep(kind="opens_later", url=url, title=module.title, opens_at=opens_at)
        return NextStep(kind="lesson", url=following.url + LESSON_TITLE_FRAGMENT, title=following.title)
    enrollment = viewer_enrollment(
        user=user,
        course=course,
        continue_lesson_id=continue_lesson_id_expression(),
        **progress_current_annotation(),
    )
    progress_current_apply([enrollment])
    if enrollment is not None and enrollment.is_active and enrollment.progress_percent == 100:
        return NextStep(
            kind="completed", url=reverse("learning:course_completed", kwargs={"slug": course.slug})
        )
    undone = curriculum.lesson(enrollment.continue_lesson_id if enrollment is not None else None)
    if undone is not None and undone.pk != lesson.pk:
        return NextStep(kind="continue", url=undone.url + LESSON_TITLE_FRAGMENT, title=undone.title)
    return NextStep(kind="course", url=course.get_absolute_url())


def dashboard_enrollments(*, user: User) -> list[Enrollment]:
    """My learning (the backlog's getUserEnrollments): active enrollments, newest
    first, each with its course's card figures, `continue_lesson_id` and
    `certificate_code`. One query, whatever the number of enrollments, with no
    subquery per card over lessons or progress (learning/selectors/cards.py)."""
    enrollments = enrollment_cards(user=user)
    progress_current_apply(enrollments)
    for enrollment in enrollments:
        # The course card template reads its figures from the course.
        for name in card_stat_names():
            setattr(enrollment.course, name, getattr(enrollment, name))
    return enrollments
