"""The course page and the lesson page, as the viewer sees them.

They live here, in the highest app whose facts decide what they show: the
course's curriculum (`courses`), the viewer's enrollment (`enrollments`: which
lessons open, which call to action) and progress (here: ticks, the
percentage, where to continue). Apps beside or above add to them through page
slots (lms/sections.py): payments' buy button, and from the reviews issue on,
reviews and discussions. Each page runs a fixed number of queries, whatever
the size of the curriculum or the number of students."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from courses import policies as course_policies
from courses.curriculum import Curriculum, CurriculumLesson, curriculum_get
from courses.models import Lesson
from enrollments.models import Enrollment
from enrollments.policies import (
    LessonAccess,
    enrollment_refusal,
    lesson_access,
    lesson_closed_until,
    modules_closed_to,
)
from enrollments.selectors import course_get_visible, viewer_enrollment
from learning.models import Submission
from learning.selectors.archived import ArchivedLessonWork, archived_work_get
from learning.selectors.assignments import submissions_for_lesson
from learning.selectors.certificates import certificate_code_expression
from learning.selectors.overlay import completed_lesson_ids_annotation, completed_lesson_ids_of
from learning.selectors.percentages import progress_current_annotation, progress_current_apply
from learning.selectors.progress import continue_lesson_id_expression
from learning.selectors.quizzes import QuizSummary, quiz_summary_get

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from courses.models import Course
    from lms.models import User


def call_to_action(page: CoursePage | LessonPage) -> str:
    """Which button the viewer of a course's page or of one of its lessons gets:
    edit, continue, enroll, buy, login_enroll, login_buy, or refused (the course
    is closed to them: `page.refusal` says why). Whether a paid course is on sale
    is payments' to say, in the "course_page.purchase" slot."""
    if page.can_edit:
        return "edit"
    if page.is_enrolled:
        return "continue"
    if not page.viewer_is_authenticated:
        return "login_enroll" if page.course.is_free else "login_buy"
    if page.refusal:
        return "refused"
    return "enroll" if page.course.is_free else "buy"


@dataclass
class CoursePage:
    course: Course
    curriculum: Curriculum
    student_count: int
    enrollment: Enrollment | None
    can_edit: bool
    viewer_is_authenticated: bool = False
    # Why the viewer may not enroll or buy (enrollments.policies.enrollment_refusal).
    refusal: str | None = None
    # The student's own work on lessons taken out of the course ("Archived lessons").
    archived_work: list[ArchivedLessonWork] = field(default_factory=list)

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment is not None and self.enrollment.is_active

    @property
    def continue_lesson(self) -> CurriculumLesson | None:
        """Where "Continue learning" leads an enrolled student; the first lesson for anyone else."""
        if self.is_enrolled:
            return self.curriculum.lesson(self.enrollment.continue_lesson_id)
        return self.curriculum.first_lesson

    @property
    def can_open_all_lessons(self) -> bool:
        return self.can_edit or self.is_enrolled

    @property
    def all_done(self) -> bool:
        """Every lesson the course has now is completed: "Continue" would start over."""
        return self.is_enrolled and self.enrollment.progress_percent == 100

    @property
    def call_to_action(self) -> str:
        return call_to_action(self)


def course_page_get(*, slug: str, viewer: User | AnonymousUser) -> CoursePage | None:
    """The backlog's getWithCurriculum: course, instructor, curriculum, number of
    students and the viewer's enrollment with their progress, in a constant
    number of queries; None when the viewer may not see the course."""
    course = course_get_visible(slug=slug, viewer=viewer)
    if course is None:
        return None
    enrollment = viewer_enrollment(
        user=viewer,
        course=course,
        continue_lesson_id=continue_lesson_id_expression(),
        certificate_code=certificate_code_expression(),
        **progress_current_annotation(),
        **completed_lesson_ids_annotation(),
    )
    progress_current_apply([enrollment])
    is_enrolled = bool(enrollment and enrollment.is_active)
    completed = completed_lesson_ids_of(enrollment)  # the ticks, read with the enrollment
    curriculum = _with_schedule(
        curriculum_get(course=course, completed_lesson_ids=completed), viewer, course, enrollment
    )
    return CoursePage(
        course=course,
        curriculum=curriculum,
        student_count=course.student_count,  # a card figure enrollments registers
        enrollment=enrollment,
        can_edit=course_policies.can_edit_course(viewer, course),
        viewer_is_authenticated=viewer.is_authenticated,
        refusal=enrollment_refusal(user=viewer, course=course),
        # Looked for only when the course has archived lessons: no query otherwise.
        archived_work=(
            archived_work_get(user=viewer, course=course)
            if is_enrolled and curriculum.archived_lesson_count
            else []
        ),
    )


def _with_schedule(
    curriculum: Curriculum, viewer: User | AnonymousUser, course: Course, enrollment: Enrollment | None
) -> Curriculum:
    """The curriculum with the modules not open to the viewer yet marked (drip); no query."""
    enrolled_at = enrollment.enrolled_at if enrollment and enrollment.is_active else None
    closed = modules_closed_to(viewer, curriculum.modules, course=course, enrolled_at=enrolled_at)
    return curriculum.with_closed_modules(closed)


@dataclass
class LessonPage:
    course: Course
    lesson: Lesson
    access: LessonAccess
    enrollment: Enrollment | None
    can_open_all_lessons: bool = False  # enrolled or an author; else only previews open
    curriculum: Curriculum | None = None
    previous: CurriculumLesson | None = None
    next: CurriculumLesson | None = None
    can_edit: bool = False
    viewer_is_authenticated: bool = False
    # Why the viewer may not enroll or buy (enrollments.policies.enrollment_refusal).
    refusal: str | None = None
    # Out of the curriculum (courses.services.archive): its authors still open it;
    # its students find their work on it on the course page.
    archived: bool = False
    # NOT_YET_OPEN: when the lesson's module opens to the student (drip).
    opens_at: datetime | None = None
    # The learning part (loaded only when the content is shown):
    quiz_summary: QuizSummary | None = None  # quiz lessons
    submissions: list[Submission] = field(default_factory=list)  # assignment lessons, newest first

    @property
    def is_enrolled(self) -> bool:
        return bool(self.enrollment and self.enrollment.is_active)

    @property
    def call_to_action(self) -> str:
        return call_to_action(self)

    @property
    def offers_enrollment(self) -> bool:
        """A visitor or a student who has not enrolled: the lesson shows the
        course's call to action beside it (or, locked, instead of it)."""
        return not (self.can_edit or self.is_enrolled)

    @property
    def next_opens_at(self) -> datetime | None:
        """When the next lesson's module opens to the viewer, if it is not open yet
        (drip): "Next lesson" then says so instead of leading to a locked page."""
        if self.next is None or self.next.is_preview or self.curriculum is None:
            return None
        module = self.curriculum.module_of(self.next.pk)
        return module.opens_at if module else None

    @property
    def lesson_completed(self) -> bool:
        return bool(self.curriculum and self.lesson.pk in self.curriculum.completed_lesson_ids)

    @property
    def assignment_passed(self) -> bool:
        return any(s.status == Submission.Status.PASSED for s in self.submissions)

    @property
    def submission_pending(self) -> bool:
        return any(s.status == Submission.Status.SUBMITTED for s in self.submissions)

    @property
    def all_done(self) -> bool:
        """Every lesson the course has now is completed: the last lesson leads to
        the course-completed page."""
        return self.is_enrolled and self.enrollment.progress_percent == 100


def lesson_page_get(*, slug: str, lesson_id: int, viewer: User | AnonymousUser) -> LessonPage | None:
    """The lesson page's data, and whether the viewer may see it; None when the
    lesson is not one of the course named by the slug. The curriculum and the
    learning part are loaded only when the content will be shown."""
    lesson = (
        Lesson.objects.select_related("module__course__instructor")
        .filter(pk=lesson_id, module__course__slug=slug)
        .first()
    )
    if lesson is None:
        return None
    course = lesson.module.course
    enrollment = viewer_enrollment(
        user=viewer, course=course, **progress_current_annotation(), **completed_lesson_ids_annotation()
    )
    progress_current_apply([enrollment])
    is_enrolled = bool(enrollment and enrollment.is_active)
    enrolled_at = enrollment.enrolled_at if is_enrolled else None
    access = lesson_access(
        viewer, lesson, course=course, has_active_enrollment=is_enrolled, enrolled_at=enrolled_at
    )
    can_edit = course_policies.can_edit_course(viewer, course)
    if lesson.is_archived and not (can_edit or is_enrolled):
        access = LessonAccess.NOT_FOUND  # out of the course: only its authors and students know it
    page = LessonPage(
        course=course,
        lesson=lesson,
        access=access,
        enrollment=enrollment,
        can_open_all_lessons=is_enrolled or can_edit,
        can_edit=can_edit,
        viewer_is_authenticated=viewer.is_authenticated,
        refusal=enrollment_refusal(user=viewer, course=course),
        archived=lesson.is_archived,
    )
    if access is LessonAccess.NOT_YET_OPEN:
        page.opens_at = lesson_closed_until(viewer, lesson, course=course, enrolled_at=enrolled_at)
    if access is LessonAccess.ALLOWED and not (page.archived and not can_edit):
        completed = completed_lesson_ids_of(enrollment)  # the ticks, read with the enrollment
        page.curriculum = _with_schedule(
            curriculum_get(course=course, completed_lesson_ids=completed), viewer, course, enrollment
        )
        page.previous, page.next = page.curriculum.neighbours(lesson.pk)
        if lesson.kind == Lesson.Kind.QUIZ:
            page.quiz_summary = quiz_summary_get(user=viewer, lesson=lesson)
        elif lesson.kind == Lesson.Kind.ASSIGNMENT and is_enrolled:
            page.submissions = submissions_for_lesson(user=viewer, lesson=lesson)
    return page


@dataclass
class CompletionPage:
    """The course-completed page: `enrollment` (with `certificate_code`) is the viewer's."""

    course: Course
    enrollment: Enrollment | None

    @property
    def is_completed(self) -> bool:
        """An active student at 100 %: anyone else is sent to the course page."""
        return bool(self.enrollment and self.enrollment.is_active and self.enrollment.progress_percent == 100)


def course_completion_get(*, slug: str, viewer: User | AnonymousUser) -> CompletionPage | None:
    """The course with the viewer's enrollment and certificate code (two
    queries, one for the anonymous); None when the viewer may not see the course."""
    course = course_get_visible(slug=slug, viewer=viewer)
    if course is None:
        return None
    enrollment = viewer_enrollment(
        user=viewer,
        course=course,
        certificate_code=certificate_code_expression(),
        **progress_current_annotation(),
    )
    progress_current_apply([enrollment])
    return CompletionPage(course=course, enrollment=enrollment)
