"""The curriculum of a course as the pages show it: modules in order, each
with its lessons in order (titles, kinds, durations, links: never content).

It is read on every course and lesson page, and for a big course (1,000
lessons) loading and rendering it is most of the page's cost. So it is cached,
under a key that names its content exactly: the course's *curriculum version*,
made of the number and latest `updated_at` of its modules and of its lessons
(one small query; archiving or restoring sets `updated_at` too). Any write
through the ORM (admin, services, seeding) changes the version, so a cached
curriculum is never stale and never needs invalidating; entries for old
versions simply age out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from courses.models import Lesson, Module
from lms.durations import format_duration_words

if TYPE_CHECKING:
    from courses.models import Course

CURRICULUM_CACHE_SECONDS = 24 * 3600
_KIND_LABELS = dict(Lesson.Kind.choices)


# The tables are courses_module and courses_lesson (Module._meta.db_table,
# Lesson._meta.db_table); tests/courses/test_course_page.py checks every kind
# of curriculum edit changes the result.
# The last column counts the archived lessons (archived themselves or with their
# module): the course page looks for a student's archived work only when there are some.
CURRICULUM_VERSION_SQL = """
SELECT
  (SELECT COUNT(*) FROM courses_module WHERE course_id = %(course)s),
  (SELECT MAX(updated_at) FROM courses_module WHERE course_id = %(course)s),
  (SELECT COUNT(*) FROM courses_lesson AS l
     INNER JOIN courses_module AS m ON l.module_id = m.id WHERE m.course_id = %(course)s),
  (SELECT MAX(l.updated_at) FROM courses_lesson AS l
     INNER JOIN courses_module AS m ON l.module_id = m.id WHERE m.course_id = %(course)s),
  (SELECT COUNT(*) FROM courses_lesson AS l
     INNER JOIN courses_module AS m ON l.module_id = m.id WHERE m.course_id = %(course)s
       AND (l.archived_at IS NOT NULL OR m.archived_at IS NOT NULL))
"""


def _moment(value: datetime | str | None) -> datetime | None:
    # SQLite answers MAX() of a datetime column with its text.
    if isinstance(value, str):
        moment = parse_datetime(value)
        return timezone.make_aware(moment, UTC) if moment and timezone.is_naive(moment) else moment
    return value


def curriculum_version(*, course_id: int) -> tuple[str, int, datetime | None]:
    """The number and latest `updated_at` of the course's modules and of its
    lessons, how many of its lessons are archived, and the latest of those
    moments (when its content last changed): one small query. Written in SQL
    because building the equivalent ORM subquery expressions costs more per
    request than running the query."""
    with connection.cursor() as cursor:
        cursor.execute(CURRICULUM_VERSION_SQL, {"course": course_id})
        modules, modules_at, lessons, lessons_at, archived = cursor.fetchone()
    moments = [moment for moment in (_moment(modules_at), _moment(lessons_at)) if moment is not None]
    version = f"{course_id}|{modules}@{modules_at}|{lessons}@{lessons_at}|{archived}"
    return version, archived or 0, max(moments, default=None)


class CurriculumLesson(NamedTuple):
    # Named tuples: a cached curriculum of 1,000 lessons unpickles in well under a millisecond.
    pk: int
    title: str
    kind: str
    kind_label: str
    duration: int
    duration_display: str
    is_preview: bool
    url: str


class CurriculumModule(NamedTuple):
    pk: int
    title: str
    lessons: tuple[CurriculumLesson, ...]
    # Its schedule (drip, Module.opens_after_days / opens_on), cached with the content.
    opens_after_days: int | None = None
    opens_on: date | None = None
    # When it opens to the page's viewer, if still to come (`Curriculum.with_closed_modules`,
    # per viewer, never cached): its lessons, previews aside, are locked to them until then.
    opens_at: datetime | None = None


@dataclass(frozen=True)
class Curriculum:
    course_id: int
    version: str
    modules: tuple[CurriculumModule, ...]
    # The viewing student's completed lessons (empty for everyone else).
    completed_lesson_ids: frozenset[int] = frozenset()
    # Lessons of the course out of the curriculum (courses.services.archive): not shown here.
    archived_lesson_count: int = 0
    # When a module or lesson last changed (None: the course has none): the
    # course page's "Last updated", with the course's own `updated_at`.
    content_updated_at: datetime | None = None
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
    def completed_count(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.pk in self.completed_lesson_ids)

    def lesson(self, lesson_id: int | None) -> CurriculumLesson | None:
        return next((lesson for lesson in self.lessons if lesson.pk == lesson_id), None)

    def module_of(self, lesson_id: int) -> CurriculumModule | None:
        return next((m for m in self.modules if any(lesson.pk == lesson_id for lesson in m.lessons)), None)

    def with_closed_modules(self, closed: dict[int, datetime]) -> Curriculum:
        """This curriculum for a viewer to whom the modules of `closed` (pk → when
        it opens, `enrollments.policies.modules_closed_to`) are not open yet."""
        if not closed:
            return self
        modules = tuple(m._replace(opens_at=closed[m.pk]) if m.pk in closed else m for m in self.modules)
        return replace(self, modules=modules)

    @property
    def opening_later(self) -> list[tuple[datetime, int]]:
        """(when, how many lessons) for the modules not open to the viewer yet,
        soonest first; previews are open already and do not count."""
        counts: dict[datetime, int] = {}
        for module in self.modules:
            if module.opens_at is not None:
                locked = sum(1 for lesson in module.lessons if not lesson.is_preview)
                if locked:
                    counts[module.opens_at] = counts.get(module.opens_at, 0) + locked
        return sorted(counts.items())

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
        """Names what a rendered curriculum shows to every student alike: the
        content version. Templates cache fragments under it (`{% cache %}`). The
        viewer's ticks are not part of it: the fragment has a marker where each
        may go and `{% ticks %}` (lms/templatetags/overlay.py) fills them in per
        request, so one rendering serves every student of the course."""
        # Which modules are still closed to the viewer, until when (drip): few
        # distinct values (students who enrolled the same day share one).
        closed = ",".join(f"{m.pk}:{m.opens_at:%Y%m%d%H%M}" for m in self.modules if m.opens_at)
        digest = hashlib.blake2b(f"{self.version}|{closed}".encode(), digest_size=16).hexdigest()
        return f"{self.course_id}-{digest}"


def _curriculum_load(course: Course) -> tuple[CurriculumModule, ...]:
    """Two queries: the modules (empty ones too), then every lesson's display
    fields in curriculum order; archived ones are not part of it."""
    module_rows = list(
        Module.objects.filter(course=course)
        .in_curriculum()
        .order_by("order", "pk")
        .values_list("pk", "title", "opens_after_days", "opens_on")
    )
    lessons_by_module: dict[int, list[CurriculumLesson]] = {pk: [] for pk, *_ in module_rows}
    rows = (
        Lesson.objects.filter(module__course=course)
        .in_curriculum()
        .in_curriculum_order()
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
                duration_display=format_duration_words(duration),
                is_preview=is_preview,
                url=reverse("courses:lesson", kwargs={"slug": course.slug, "lesson_id": pk}),
            )
        )
    return tuple(
        CurriculumModule(
            pk=pk,
            title=title,
            lessons=tuple(lessons_by_module[pk]),
            opens_after_days=opens_after_days,
            opens_on=opens_on,
        )
        for pk, title, opens_after_days, opens_on in module_rows
    )


def curriculum_get(*, course: Course, completed_lesson_ids: frozenset[int] = frozenset()) -> Curriculum:
    """The course's curriculum: one query for its version, then from the cache
    when that version was seen before, else two more queries."""
    version, archived, content_updated_at = curriculum_version(course_id=course.pk)
    version = f"{version}|{course.slug}"
    # "3": modules carry their schedule (drip); older entries are never read.
    key = "curriculum:3:" + hashlib.blake2b(version.encode(), digest_size=20).hexdigest()
    modules = cache.get(key)
    if modules is None:
        modules = _curriculum_load(course)
        cache.set(key, modules, CURRICULUM_CACHE_SECONDS)
    return Curriculum(
        course_id=course.pk,
        version=version,
        modules=modules,
        completed_lesson_ids=completed_lesson_ids,
        archived_lesson_count=archived,
        content_updated_at=content_updated_at,
    )
