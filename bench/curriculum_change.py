"""A curriculum change on a course with many students (issue 13, "Constant time
at scale"): the instructor adds a lesson in the admin, then deletes it again,
on a course with up to CURRICULUM_STUDENTS enrollments; both requests are timed
in-process (Django's test Client, the same database and settings). Then the
refresh job the change enqueued is run and timed, and, for comparison, what the
request used to do in-process (lock every enrollment and recompute it in one
UPDATE, rolled back).

The course (`bench-curriculum-course`, a draft of 1 module of 10 lessons) and
its enrollments (the first students of the data set but the two whose pages
the bench measures, each with the first lesson completed) are written with
COPY the first time (demo/bench_copy.py), and found again afterwards. Import once Django is set up."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Lesson, Module
from demo import bench_data as seed_data
from demo.bench_copy import rows_insert
from demo.management.commands import seed_bench as seed
from enrollments.models import Enrollment
from learning.models import LessonProgress
from learning.selectors.percentages import stale_enrollments
from learning.services.progress import _percentages_store, course_progress_refresh
from lms.models import User

from .config import HOST, say

CURRICULUM_SLUG = seed_data.CURRICULUM_SLUG
CURRICULUM_STUDENTS = 100_000
CURRICULUM_LESSONS = 10
TARGET_MS = 300.0
ROUNDS = 3


@dataclass
class CurriculumChange:
    students: int = 0
    seed_s: float = 0.0  # 0 when found seeded
    add_ms: float = 0.0  # median of ROUNDS admin requests adding a lesson
    delete_ms: float = 0.0  # median of ROUNDS admin requests deleting it again
    job_s: float = 0.0  # the refresh job after the last change
    refreshed: int = 0
    inline_refresh_ms: float = 0.0  # what the request did before: lock and recompute everyone
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and max(self.add_ms, self.delete_ms) < TARGET_MS

    def markdown(self) -> str:
        if self.error:
            return f"\n## Curriculum change\n\nError: {self.error}\n"
        verdict = "met" if self.passed else "MISSED"
        return (
            f"\n## Curriculum change on a course with {self.students:,} enrollments\n\n"
            "| step | time |\n|---|--:|\n"
            f"| admin request: add a lesson (median of {ROUNDS}) | {self.add_ms:.0f} ms |\n"
            f"| admin request: delete that lesson (median of {ROUNDS}) | {self.delete_ms:.0f} ms |\n"
            f"| refresh job afterwards ({self.refreshed:,} rows) | {self.job_s:.1f} s |\n"
            f"| before: recompute inside the request (lock + UPDATE, rolled back) "
            f"| {self.inline_refresh_ms:.0f} ms |\n"
            f"| seeding its enrollments with COPY | {self.seed_s:.1f} s |\n\n"
            f"Target: each admin request under {TARGET_MS:.0f} ms: {verdict}.\n"
        )


class _FormFields(HTMLParser):
    """What a browser submits for the admin's form: named inputs, selects and textareas."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type", "text") not in {"submit", "button", "file", "reset"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
                return
            self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _course_ensure() -> tuple[Course, float]:
    """The course and its enrollments, seeded with COPY when absent."""
    started = time.monotonic()
    course = Course.objects.filter(slug=CURRICULUM_SLUG).first()
    # Not the students whose pages the bench measures: My learning keeps its 11 cards.
    measured = [
        seed_data.student_email(seed.STUDENT_ENROLLED),
        seed_data.student_email(seed.STUDENT_PROGRESS),
    ]
    students = list(
        User.objects.filter(email__startswith="student", email__endswith=f"@{seed.BENCH_DOMAIN}")
        .exclude(email__in=measured)
        .order_by("pk")
        .values_list("pk", flat=True)[:CURRICULUM_STUDENTS]
    )
    if course is not None and Enrollment.objects.filter(course=course).count() == len(students):
        return course, 0.0
    with transaction.atomic():
        if course is not None:
            LessonProgress.objects.filter(lesson__module__course=course).delete()
            Enrollment.objects.filter(course=course).delete()
            course.delete()
        instructor = User.objects.get(email=seed.instructor_email(0))
        course = Course.objects.create(
            slug=CURRICULUM_SLUG,
            title="Curriculum changes at scale",
            instructor=instructor,
            status=Course.Status.DRAFT,  # out of the catalogue the bench measures
        )
        module = Module.objects.create(course=course, title="Module 1", order=0)
        lessons = Lesson.objects.bulk_create(
            Lesson(module=module, title=f"Lesson {i + 1}", kind=Lesson.Kind.TEXT, content="Text.", order=i)
            for i in range(CURRICULUM_LESSONS)
        )
    # A transaction of its own: COPY drops the tables' foreign keys, which PostgreSQL
    # refuses while the course's own (deferred) checks are pending.
    with transaction.atomic():
        now = timezone.now()
        rows_insert(
            Enrollment,
            ("user_id", "course_id", "enrolled_at", "progress_percent", "status", "progress_revision"),
            (
                (pk, course.pk, now - timedelta(days=30), 100 // CURRICULUM_LESSONS, "active", 0)
                for pk in students
            ),
            total=len(students),
            label="curriculum course enrollments",
            out=say,
        )
        rows_insert(
            LessonProgress,
            ("user_id", "lesson_id", "completed_at", "updated_at"),
            ((pk, lessons[0].pk, now, now) for pk in students),
            total=len(students),
            label="curriculum course progress",
            out=say,
        )
    return course, time.monotonic() - started


def _admin_client() -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(User.objects.get(email=seed.SUPERUSER_EMAIL))
    return client


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def curriculum_change_measure() -> CurriculumChange:
    result = CurriculumChange()
    course, result.seed_s = _course_ensure()
    result.students = Enrollment.objects.filter(course=course).count()
    module = course.modules.get()
    client = _admin_client()
    add = reverse("admin:courses_lesson_add")
    parser = _FormFields()
    parser.feed(client.get(add).content.decode())
    form = {key: value for key, value in parser.data.items() if "__prefix__" not in key}
    form.update(
        {"module": str(module.pk), "title": "Added by the benchmark", "kind": "text", "duration": "60"}
    )
    adds, deletes = [], []
    for _ in range(ROUNDS):
        ms, response = _timed(lambda: client.post(add, form))
        if response.status_code != 302:
            result.error = f"adding a lesson answered {response.status_code}"
            return result
        adds.append(ms)
        lesson = Lesson.objects.filter(module=module).order_by("-pk").first()
        delete = reverse("admin:courses_lesson_delete", args=[lesson.pk])
        ms, response = _timed(lambda: client.post(delete, {"post": "yes"}))  # noqa: B023 - called at once
        if response.status_code != 302:
            result.error = f"deleting the lesson answered {response.status_code}"
            return result
        deletes.append(ms)
    result.add_ms, result.delete_ms = statistics.median(adds), statistics.median(deletes)
    stale = stale_enrollments(Enrollment.objects.filter(course=course)).count()
    job_ms, result.refreshed = _timed(lambda: course_progress_refresh(course_ids=[course.pk]))
    result.job_s = job_ms / 1000
    if result.refreshed != stale:
        result.error = f"the job refreshed {result.refreshed:,} rows, {stale:,} were stale"

    class _RolledBack(Exception):
        pass

    def inline_refresh():
        # What the request did before this issue, in-process: every row locked, one UPDATE.
        try:
            with transaction.atomic():
                enrollments = Enrollment.objects.filter(course=course)
                list(enrollments.select_for_update().order_by("pk").values_list("pk", flat=True))
                _percentages_store(enrollments=enrollments)
                raise _RolledBack
        except _RolledBack:
            pass

    result.inline_refresh_ms, _ = _timed(inline_refresh)
    say(
        f"  Curriculum change, {result.students:,} enrollments: add {result.add_ms:.0f} ms, "
        f"delete {result.delete_ms:.0f} ms (target < {TARGET_MS:.0f} ms); job {result.job_s:.1f} s "
        f"for {result.refreshed:,} rows; recomputing inside the request would take "
        f"{result.inline_refresh_ms:.0f} ms"
    )
    return result
