"""The curriculum of a course as the pages show it: modules in order, each
with its lessons in order (titles, kinds, durations, links: never content).

It is read on every course and lesson page, and for a big course (1,000
lessons) loading and rendering it is most of the page's cost. So it is cached,
under a key that names its content exactly: the course's *curriculum version*,
made of the number and latest `updated_at` of its modules and of its lessons.
Any write through the ORM (admin, services, seeding) changes the version, so a
cached curriculum is never stale and never needs invalidating; entries for old
versions simply age out. The version costs no query of its own: it is two
correlated subqueries on the query that fetches the course (see
`curriculum_version_annotations`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import CharField, Count, Max, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse

from courses.durations import format_duration
from courses.models import Lesson, Module

if TYPE_CHECKING:
    from courses.models import Course

CURRICULUM_CACHE_SECONDS = 24 * 3600
_KIND_LABELS = dict(Lesson.Kind.choices)


def _count_and_latest(queryset, group_by: str):
    """`"<count>@<latest updated_at>"` of the rows, as one scalar subquery."""
    summary = (
        queryset.order_by()
        .values(group_by)
        .annotate(
            summary=Concat(
                Cast(Count("*"), CharField()),
                Value("@"),
                Cast(Max("updated_at"), CharField()),
                output_field=CharField(),
            )
        )
        .values("summary")
    )
    return Coalesce(Subquery(summary, output_field=CharField()), Value("0"))


def curriculum_version_annotations(course_ref: str = "pk") -> dict:
    """Annotations that give each course row its curriculum version (the
    course at `course_ref`). Pass the annotated course to `curriculum_get`."""
    return {
        "curriculum_modules_version": _count_and_latest(
            Module.objects.filter(course=OuterRef(course_ref)), "course"
        ),
        "curriculum_lessons_version": _count_and_latest(
            Lesson.objects.filter(module__course=OuterRef(course_ref)), "module__course"
        ),
    }


@dataclass(frozen=True, slots=True)
class CurriculumLesson:
    pk: int
    title: str
    kind: str
    kind_label: str
    duration: int
    duration_display: str
    is_preview: bool
    url: str


@dataclass(frozen=True, slots=True)
class CurriculumModule:
    pk: int
    title: str
    lessons: tuple[CurriculumLesson, ...]


@dataclass(frozen=True)
class Curriculum:
    course_id: int
    version: str
    modules: tuple[CurriculumModule, ...]
    # The viewing student's completed lessons (empty for everyone else).
    completed_lesson_ids: frozenset[int] = frozenset()
    lessons: tuple[CurriculumLesson, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "lessons", tuple(lesson for m in self.modules for lesson in m.lessons))

    @property
    def lesson_count(self) -> int:
        return len(self.lessons)

    @property
    def total_duration(self) -> int:
        return sum(lesson.duration for lesson in self.lessons)

    @property
    def first_lesson(self) -> CurriculumLesson | None:
        return self.lessons[0] if self.lessons else None

    @property
    def progress_percent(self) -> int:
        """Completed ÷ lessons the course has now, rounded down."""
        if not self.lessons:
            return 0
        done = sum(1 for lesson in self.lessons if lesson.pk in self.completed_lesson_ids)
        return min(100, done * 100 // len(self.lessons))

    @property
    def completed_count(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.pk in self.completed_lesson_ids)

    @property
    def continue_lesson(self) -> CurriculumLesson | None:
        """The first lesson not completed, in curriculum order; the first lesson
        when all are done."""
        for lesson in self.lessons:
            if lesson.pk not in self.completed_lesson_ids:
                return lesson
        return self.first_lesson

    def neighbours(self, lesson_id: int) -> tuple[CurriculumLesson | None, CurriculumLesson | None]:
        """Previous and next lessons in curriculum order, across module boundaries."""
        for index, lesson in enumerate(self.lessons):
            if lesson.pk == lesson_id:
                previous = self.lessons[index - 1] if index > 0 else None
                following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
                return previous, following
        return None, None

    @cached_property
    def cache_key(self) -> str:
        """Names what a rendered curriculum shows: the content version and the
        viewer's ticks. Templates cache fragments under it (`{% cache %}`)."""
        ticks = ",".join(str(pk) for pk in sorted(self.completed_lesson_ids))
        digest = hashlib.blake2b(f"{self.version}|{ticks}".encode(), digest_size=16).hexdigest()
        return f"{self.course_id}-{digest}"


def _version_of(course: Course) -> str:
    modules = getattr(course, "curriculum_modules_version", None)
    lessons = getattr(course, "curriculum_lessons_version", None)
    if modules is None or lessons is None:
        # Not annotated by the caller: one query for it.
        from courses.models import Course as CourseModel

        row = (
            CourseModel.objects.filter(pk=course.pk)
            .annotate(**curriculum_version_annotations())
            .values_list("curriculum_modules_version", "curriculum_lessons_version")
            .get()
        )
        modules, lessons = row
    return f"{course.pk}|{course.slug}|{modules}|{lessons}"


def _curriculum_load(course: Course) -> tuple[CurriculumModule, ...]:
    """Two queries: the modules, then every lesson's display fields."""
    module_rows = list(
        Module.objects.filter(course=course).order_by("order", "pk").values_list("pk", "title")
    )
    lessons_by_module: dict[int, list[CurriculumLesson]] = {pk: [] for pk, _ in module_rows}
    rows = (
        Lesson.objects.filter(module__course=course)
        .order_by("order", "pk")
        .values_list("pk", "module_id", "title", "kind", "duration", "is_preview")
    )
    for pk, module_id, title, kind, duration, is_preview in rows:
        lessons_by_module[module_id].append(
            CurriculumLesson(
                pk=pk,
                title=title,
                kind=kind,
                kind_label=str(_KIND_LABELS.get(kind, kind)),
                duration=duration,
                duration_display=format_duration(duration),
                is_preview=is_preview,
                url=reverse("courses:lesson", kwargs={"slug": course.slug, "lesson_id": pk}),
            )
        )
    return tuple(
        CurriculumModule(pk=pk, title=title, lessons=tuple(lessons_by_module[pk]))
        for pk, title in module_rows
    )


def curriculum_get(*, course: Course, completed_lesson_ids: frozenset[int] = frozenset()) -> Curriculum:
    """The course's curriculum: from the cache when its version was seen
    before (no query), else two queries. `course` should carry the
    annotations of `curriculum_version_annotations` (else one more query)."""
    version = _version_of(course)
    key = "curriculum:" + hashlib.blake2b(version.encode(), digest_size=20).hexdigest()
    modules = cache.get(key)
    if modules is None:
        modules = _curriculum_load(course)
        cache.set(key, modules, CURRICULUM_CACHE_SECONDS)
    return Curriculum(
        course_id=course.pk, version=version, modules=modules, completed_lesson_ids=completed_lesson_ids
    )
