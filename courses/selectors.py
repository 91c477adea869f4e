"""Reads for the student pages. Each page runs a fixed number of queries,
whatever the size of the curriculum or the number of students."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from courses import policies
from courses.curriculum import Curriculum, CurriculumLesson, curriculum_get
from courses.models import Course, Lesson
from enrollments.models import Enrollment, Submission
from enrollments.progress_selectors import (
    QuizSummary,
    completed_lesson_ids_get,
    quiz_summary_get,
    submissions_for_lesson,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.models import User

CATALOGUE_SORTS = {
    "newest": ["-created_at", "-pk"],
    "popular": ["-student_count", "-created_at", "-pk"],
    "price": ["price", "title", "pk"],
}
DEFAULT_SORT = "newest"


def _lesson_stats(course_ref: str):
    lessons = Lesson.objects.filter(module__course=OuterRef(course_ref)).order_by().values("module__course")
    count = Subquery(lessons.annotate(n=Count("pk")).values("n"), output_field=IntegerField())
    total = Subquery(lessons.annotate(s=Sum("duration")).values("s"), output_field=IntegerField())
    return Coalesce(count, Value(0)), Coalesce(total, Value(0))


def _student_count(course_ref: str):
    active = (
        Enrollment.objects.filter(course=OuterRef(course_ref), status=Enrollment.Status.ACTIVE)
        .order_by()
        .values("course")
        # COUNT(*), not COUNT(id): PostgreSQL answers it from the (course,
        # status) index alone instead of visiting a heap page per enrollment.
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(active, output_field=IntegerField()), Value(0))


def card_stat_annotations(course_ref: str = "pk") -> dict:
    """lesson_count, total_duration and student_count of the course at
    `course_ref`, as correlated subqueries: no row multiplication, and evaluated
    only for the rows listed."""
    lesson_count, total_duration = _lesson_stats(course_ref)
    return {
        "lesson_count": lesson_count,
        "total_duration": total_duration,
        "student_count": _student_count(course_ref),
    }


def courses_with_card_stats(queryset: QuerySet[Course]) -> QuerySet[Course]:
    return queryset.select_related("instructor").annotate(**card_stat_annotations())


def catalogue_courses(*, query: str = "", sort: str = DEFAULT_SORT) -> QuerySet[Course]:
    """Published courses for the catalogue, searched and sorted. An unknown
    sort falls back to the default."""
    courses = Course.objects.published()
    query = (query or "").strip()
    if query:
        courses = courses.filter(
            Q(title__icontains=query) | Q(subtitle__icontains=query) | Q(description__icontains=query)
        )
    ordering = CATALOGUE_SORTS.get(sort, CATALOGUE_SORTS[DEFAULT_SORT])
    return courses_with_card_stats(courses).order_by(*ordering)


def course_first_lesson(*, course: Course) -> Lesson | None:
    """Where a new student starts: the first lesson of the first module (one query)."""
    return (
        Lesson.objects.filter(module__course=course)
        .select_related("module__course")
        .order_by("module__order", "module__pk", "order", "pk")
        .first()
    )


def viewer_enrollment(*, user: User | AnonymousUser, course: Course) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(user=user, course=course).first()


@dataclass
class CoursePage:
    course: Course
    curriculum: Curriculum
    student_count: int
    enrollment: Enrollment | None
    can_edit: bool
    viewer_is_authenticated: bool = False

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment is not None and self.enrollment.is_active

    @property
    def continue_lesson(self) -> CurriculumLesson | None:
        return self.curriculum.continue_lesson

    @property
    def can_open_all_lessons(self) -> bool:
        return self.can_edit or self.is_enrolled

    @property
    def call_to_action(self) -> str:
        """Which button the visitor gets: edit, continue, enroll, buy, login_enroll, login_buy."""
        if self.can_edit:
            return "edit"
        if self.is_enrolled:
            return "continue"
        if not self.viewer_is_authenticated:
            return "login_enroll" if self.course.is_free else "login_buy"
        return "enroll" if self.course.is_free else "buy"


def course_get_visible(*, slug: str, viewer: User | AnonymousUser) -> Course:
    """The course with this slug if the viewer may see it (published, or a draft
    they may edit); otherwise 404."""
    course = policies.courses_visible_to(viewer).select_related("instructor").filter(slug=slug).first()
    if course is None:
        raise Http404("No such course")
    return course


def course_get_with_curriculum(*, slug: str, viewer: User | AnonymousUser) -> CoursePage:
    """The backlog's getWithCurriculum: course, instructor, curriculum, number of
    students and the viewer's enrollment, in a constant number of queries."""
    course = course_get_visible(slug=slug, viewer=viewer)
    student_count = Enrollment.objects.active().filter(course=course).count()
    enrollment = viewer_enrollment(user=viewer, course=course)
    is_enrolled = bool(enrollment and enrollment.is_active)
    completed = completed_lesson_ids_get(user=viewer, course=course) if is_enrolled else frozenset()
    return CoursePage(
        course=course,
        curriculum=curriculum_get(course=course, completed_lesson_ids=completed),
        student_count=student_count,
        enrollment=enrollment,
        can_edit=policies.can_edit_course(viewer, course),
        viewer_is_authenticated=viewer.is_authenticated,
    )


@dataclass
class LessonPage:
    course: Course
    lesson: Lesson
    access: policies.LessonAccess
    enrollment: Enrollment | None
    can_open_all_lessons: bool = False  # enrolled or an author; else only previews open
    curriculum: Curriculum | None = None
    previous: CurriculumLesson | None = None
    next: CurriculumLesson | None = None
    can_edit: bool = False
    # The learning part (loaded only when the content is shown):
    quiz_summary: QuizSummary | None = None  # quiz lessons
    submissions: list[Submission] = field(default_factory=list)  # assignment lessons, newest first

    @property
    def is_enrolled(self) -> bool:
        return bool(self.enrollment and self.enrollment.is_active)

    @property
    def lesson_completed(self) -> bool:
        return bool(self.curriculum and self.lesson.pk in self.curriculum.completed_lesson_ids)

    @property
    def assignment_passed(self) -> bool:
        return any(s.status == Submission.Status.PASSED for s in self.submissions)

    @property
    def submission_pending(self) -> bool:
        return any(s.status == Submission.Status.SUBMITTED for s in self.submissions)


def lesson_get_for_viewer(*, slug: str, lesson_id: int, viewer: User | AnonymousUser) -> LessonPage:
    """The lesson page's data, and whether the viewer may see it. The lesson must
    belong to the course named by the slug (else 404). The curriculum is loaded
    only when the content will be shown."""
    lesson = (
        Lesson.objects.select_related("module__course__instructor")
        .filter(pk=lesson_id, module__course__slug=slug)
        .first()
    )
    if lesson is None:
        raise Http404("No such lesson")
    course = lesson.module.course
    enrollment = viewer_enrollment(user=viewer, course=course)
    access = policies.lesson_access(
        viewer, lesson, course=course, has_active_enrollment=bool(enrollment and enrollment.is_active)
    )
    is_enrolled = bool(enrollment and enrollment.is_active)
    can_edit = policies.can_edit_course(viewer, course)
    page = LessonPage(
        course=course,
        lesson=lesson,
        access=access,
        enrollment=enrollment,
        can_open_all_lessons=is_enrolled or can_edit,
        can_edit=can_edit,
    )
    if access is policies.LessonAccess.ALLOWED:
        completed = completed_lesson_ids_get(user=viewer, course=course) if is_enrolled else frozenset()
        page.curriculum = curriculum_get(course=course, completed_lesson_ids=completed)
        page.previous, page.next = page.curriculum.neighbours(lesson.pk)
        if lesson.kind == Lesson.Kind.QUIZ:
            page.quiz_summary = quiz_summary_get(user=viewer, lesson=lesson)
        elif lesson.kind == Lesson.Kind.ASSIGNMENT and is_enrolled:
            page.submissions = submissions_for_lesson(user=viewer, lesson=lesson)
    return page
