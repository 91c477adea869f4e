"""The pages to measure, found in the seeded data, and the logged-in sessions
their students browse with. Imports models: import it once Django is set up."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.test import Client
from django.urls import reverse

from courses.models import Course, Lesson, Quiz
from demo.management.commands import seed_bench as seed
from enrollments.models import Enrollment
from learning.models import Certificate, LessonProgress, QuizAttempt
from learning.services.quizzes import quiz_attempt_start
from lms.models import User
from payments.models import Purchase

from .config import ANONYMOUS_RATIO, DASHBOARD_RATIO, HOST, P99_TARGET_MS, STUDENT_RATIO
from .export import CsvExport


@dataclass
class Page:
    key: str
    label: str
    path: str = ""
    user: str = ""  # e-mail of the seeded user to log in as; "": anonymous
    min_ratio: float | None = None  # target: this share of /healthz requests/s
    max_p99_ms: float = P99_TARGET_MS  # target: p99 latency under load below this
    explain: bool = False  # show its slowest query's plan in results.md, target met or not
    # Filled in by the run.
    cookie: str = ""
    queries: int | None = None
    sql_ms: float | None = None
    slowest_sql: tuple[float, str] = (0.0, "")
    plan: str = ""  # EXPLAIN (ANALYZE, BUFFERS) of the slowest query
    inprocess_ms: float | None = None
    cpu_ms: float | None = None
    load: dict = field(default_factory=dict)
    ceiling: float = 0.0  # mean /healthz req/s measured either side of this page
    error: str = ""
    profile: str = ""
    locmem_load: dict = field(default_factory=dict)  # the same page with per-worker caches (bench/locmem.py)
    locmem_ceiling: float = 0.0
    # A logged-in page rendered anew (a miss of lms/user_page_cache.py, as after any write of the user's).
    render_queries: int | None = None
    render_ms: float | None = None
    render_cpu_ms: float | None = None

    @property
    def requests_per_s(self) -> float:
        if not self.load or not self.load["duration_us"]:
            return 0.0
        return self.load["requests"] * 1_000_000 / self.load["duration_us"]

    @property
    def ratio(self) -> float | None:
        return self.requests_per_s / self.ceiling if self.ceiling and self.load else None

    @property
    def locmem_requests_per_s(self) -> float:
        load = self.locmem_load
        return load["requests"] * 1_000_000 / load["duration_us"] if load.get("duration_us") else 0.0

    @property
    def locmem_ratio(self) -> float | None:
        return self.locmem_requests_per_s / self.locmem_ceiling if self.locmem_ceiling else None

    @property
    def locmem_p99_ms(self) -> float:
        return self.locmem_load.get("p99_us", 0) / 1000

    @property
    def p50_ms(self) -> float:
        return self.load.get("p50_us", 0) / 1000

    @property
    def p99_ms(self) -> float:
        return self.load.get("p99_us", 0) / 1000

    @property
    def socket_errors(self) -> int:
        return sum(
            self.load.get(key, 0) for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
        )


def pages_resolve() -> list[Page]:
    """The pages to measure, with their URLs in the seeded data."""
    lessons = list(
        Lesson.objects.filter(module__course__slug=seed.TYPICAL_SLUG)
        .order_by("module__order", "module__pk", "order", "pk")
        .values_list("pk", "kind")
    )
    # A text lesson (Markdown rendered) and a quiz in the middle of the course.
    middle = len(lessons) // 2
    lesson_id = next(pk for pk, kind in lessons[middle:] if kind == Lesson.Kind.TEXT)
    quiz_lesson_id = next(pk for pk, kind in lessons[middle:] if kind == Lesson.Kind.QUIZ)
    typical = f"/courses/{seed.TYPICAL_SLUG}/"
    enrolled, progress = seed.student_email(seed.STUDENT_ENROLLED), seed.student_email(seed.STUDENT_PROGRESS)
    lesson = f"/courses/{seed.TYPICAL_SLUG}/lessons/{lesson_id}/"
    preview_id = (
        Lesson.objects.filter(module__course__slug=seed.TYPICAL_SLUG, is_preview=True)
        .order_by("module__order", "order", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    preview = f"/courses/{seed.TYPICAL_SLUG}/lessons/{preview_id}/" if preview_id else ""

    # Issue 13's targets: anonymous pages at half of /healthz, a student's at a fifth, My learning
    # at 15 %; every page's p99 under P99_TARGET_MS.
    pages = [
        Page("healthz", "/healthz (ceiling)", "/healthz"),
        Page("catalogue", "Catalogue", "/courses/", min_ratio=ANONYMOUS_RATIO),
        Page("course", "Typical course (200 lessons), anonymous", typical, min_ratio=ANONYMOUS_RATIO),
        Page(
            "course_enrolled",
            "Typical course, enrolled",
            typical,
            user=enrolled,
            min_ratio=STUDENT_RATIO,
        ),
        Page(
            "course_big",
            "1,000-lesson course, anonymous",
            f"/courses/{seed.BIG_SLUG}/",
            min_ratio=ANONYMOUS_RATIO,
        ),
        Page("preview", "Preview lesson, anonymous", preview, min_ratio=ANONYMOUS_RATIO),
        Page("lesson", "Lesson page, enrolled", lesson, user=enrolled, min_ratio=STUDENT_RATIO),
        Page(
            "dashboard",
            "My learning (11 enrollments)",
            "/dashboard/",
            user=progress,
            min_ratio=DASHBOARD_RATIO,
        ),
    ]
    # Issue 5: the same lesson for a student with progress (ticks and percentage),
    # and the quiz page.
    pages.append(
        Page(
            "lesson_progress",
            "Lesson page, enrolled with progress (50%)",
            lesson,
            user=progress,
            min_ratio=STUDENT_RATIO,
        )
    )
    pages.append(
        Page(
            "quiz",
            "Quiz page (10 questions), enrolled",
            quiz_attempt_path(quiz_lesson_id, seed.STUDENT_PROGRESS),
            user=progress,
            min_ratio=STUDENT_RATIO,
        )
    )
    # Reviews: the catalogue in its "Highest rated" order and the typical course's
    # reviews (its course page above shows the newest ten), with the targets of the
    # catalogue and of the anonymous course page.
    target = {page.key: page.min_ratio for page in pages}
    reviews = reverse("community:reviews", kwargs={"slug": seed.TYPICAL_SLUG})
    pages += [
        Page(
            "catalogue_rating",
            "Catalogue, sorted by rating",
            "/courses/?sort=rating",
            min_ratio=target["catalogue"],
        ),
        Page("reviews", "Reviews page (typical course)", reviews, min_ratio=target["course"]),
        Page(
            "reviews_lowest",
            "Reviews page 5, lowest first",
            f"{reviews}?sort=lowest&page=5",
            min_ratio=target["course"],
        ),
    ]
    return pages + teaching_pages()


def teaching_pages() -> list[Page]:
    """The teaching pages of the big course (1,000 lessons, more than a million
    lesson progress rows, quizzes, sales) as its instructor sees them, and the
    dashboard of a superuser, who sees every course. Target: p99 under
    P99_TARGET_MS, as every page (kept whole for their viewer for at most a
    minute: teaching/views/common.py); the analytics page's slowest query plan
    is always shown."""
    course = Course.objects.select_related("instructor").get(slug=seed.BIG_SLUG)
    teacher, slug = course.instructor.email, {"slug": course.slug}
    return [
        Page(
            "teach",
            "Teaching dashboard (instructor of the big course)",
            "/teach/",
            user=teacher,
        ),
        Page(
            "teach_all",
            "Teaching dashboard (superuser, every course)",
            "/teach/",
            user=seed.SUPERUSER_EMAIL,
        ),
        Page(
            "analytics",
            "Course analytics (big course, 1,000 lessons)",
            reverse("teaching:analytics", kwargs=slug),
            user=teacher,
            explain=True,
        ),
        Page(
            "students",
            "Students page (big course)",
            reverse("teaching:students", kwargs=slug),
            user=teacher,
        ),
    ]


def big_course_description() -> str:
    """What the big course's teaching pages work through, counted."""
    course = {"course__slug": seed.BIG_SLUG}
    progress = LessonProgress.objects.filter(lesson__module__course__slug=seed.BIG_SLUG).count()
    attempts = QuizAttempt.objects.filter(quiz__lesson__module__course__slug=seed.BIG_SLUG).count()
    certificates = Certificate.objects.filter(enrollment__course__slug=seed.BIG_SLUG).count()
    paid = Purchase.objects.filter(completed_at__isnull=False, **course)
    return (
        f"the big course has {Enrollment.objects.filter(**course).count():,} students with {progress:,} "
        f"lesson progress rows, {certificates:,} certificates, {attempts:,} quiz attempts and "
        f"{paid.count():,} paid purchases "
        f"({', '.join(sorted(set(paid.values_list('currency', flat=True))))}; "
        f"{paid.filter(amount_refunded__gt=0).count()} refunded in part or in full, "
        f"{paid.filter(dispute_status=Purchase.DisputeStatus.LOST).count()} dispute lost) "
        f"of {Purchase.objects.filter(**course).count():,} checkouts"
    )


def students_csv_export(pages: list[Page]) -> CsvExport:
    """The big course's students.csv, requested with the session of its
    instructor's pages (call after `sessions_create`)."""
    analytics = next(page for page in pages if page.key == "analytics")
    return CsvExport(
        path=reverse("teaching:students_csv", kwargs={"slug": seed.BIG_SLUG}),
        cookie=analytics.cookie,
        students=Enrollment.objects.filter(course__slug=seed.BIG_SLUG).count(),
    )


def quiz_attempt_path(lesson_id: int, student: int) -> str:
    """The page that shows a quiz's questions: an attempt in progress, started
    (or resumed, on a later run) through the same service as the Start button."""
    quiz = Quiz.objects.select_related("lesson__module__course").get(lesson_id=lesson_id)
    attempt = quiz_attempt_start(user=User.objects.get(email=seed.student_email(student)), quiz=quiz)
    return reverse(
        "learning:quiz_attempt",
        kwargs={"slug": quiz.lesson.module.course.slug, "lesson_id": lesson_id, "attempt_id": attempt.pk},
    )


def sessions_create(pages: list[Page]) -> dict[str, Client]:
    """Log each needed user in once (a real session row, as a browser holds)
    and give their pages the session cookie. Returns e-mail -> test Client."""
    clients: dict[str, Client] = {}
    for page in pages:
        if not page.user:
            continue
        if page.user not in clients:
            client = Client(HTTP_HOST=HOST)
            client.force_login(User.objects.get(email=page.user))
            clients[page.user] = client
        session_key = clients[page.user].cookies[settings.SESSION_COOKIE_NAME].value
        page.cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return clients


def client_for(page: Page, clients: dict):
    return clients[page.user] if page.user else Client(HTTP_HOST=HOST)
