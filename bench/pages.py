"""The pages to measure, found in the seeded data, and the logged-in sessions
their students browse with. Imports models: import it once Django is set up."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.test import Client
from django.urls import reverse

from courses.models import Lesson, Quiz
from demo.management.commands import seed_bench as seed
from learning.services.quizzes import quiz_attempt_start
from lms.models import User

from .config import HOST


@dataclass
class Page:
    key: str
    label: str
    path: str = ""
    student: int | None = None  # seeded student index to log in as; None: anonymous
    min_ratio: float | None = None  # target: this share of /healthz requests/s
    # Filled in by the run.
    cookie: str = ""
    queries: int | None = None
    sql_ms: float | None = None
    slowest_sql: tuple[float, str] = (0.0, "")
    inprocess_ms: float | None = None
    cpu_ms: float | None = None
    load: dict = field(default_factory=dict)
    ceiling: float = 0.0  # mean /healthz req/s measured either side of this page
    error: str = ""
    profile: str = ""

    @property
    def requests_per_s(self) -> float:
        if not self.load or not self.load["duration_us"]:
            return 0.0
        return self.load["requests"] * 1_000_000 / self.load["duration_us"]

    @property
    def ratio(self) -> float | None:
        return self.requests_per_s / self.ceiling if self.ceiling and self.load else None

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
    lesson = f"/courses/{seed.TYPICAL_SLUG}/lessons/{lesson_id}/"

    pages = [
        Page("healthz", "/healthz (ceiling)", "/healthz"),
        Page("catalogue", "Catalogue", "/courses/", min_ratio=0.35),
        Page("course", "Typical course (200 lessons), anonymous", typical, min_ratio=0.35),
        Page(
            "course_enrolled",
            "Typical course, enrolled",
            typical,
            student=seed.STUDENT_ENROLLED,
            min_ratio=0.35,
        ),
        Page("course_big", "1,000-lesson course, anonymous", f"/courses/{seed.BIG_SLUG}/", min_ratio=0.15),
        Page("lesson", "Lesson page, enrolled", lesson, student=seed.STUDENT_ENROLLED),
        Page("dashboard", "My learning (11 enrollments)", "/dashboard/", student=seed.STUDENT_PROGRESS),
    ]
    # Issue 5: the same lesson for a student with progress (ticks and percentage),
    # and the quiz page.
    pages.append(
        Page(
            "lesson_progress",
            "Lesson page, enrolled with progress (50%)",
            lesson,
            student=seed.STUDENT_PROGRESS,
        )
    )
    pages.append(
        Page(
            "quiz",
            "Quiz page (10 questions), enrolled",
            quiz_attempt_path(quiz_lesson_id, seed.STUDENT_PROGRESS),
            student=seed.STUDENT_PROGRESS,
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
    return pages


def quiz_attempt_path(lesson_id: int, student: int) -> str:
    """The page that shows a quiz's questions: an attempt in progress, started
    (or resumed, on a later run) through the same service as the Start button."""
    quiz = Quiz.objects.select_related("lesson__module__course").get(lesson_id=lesson_id)
    attempt = quiz_attempt_start(user=User.objects.get(email=seed.student_email(student)), quiz=quiz)
    return reverse(
        "learning:quiz_attempt",
        kwargs={"slug": quiz.lesson.module.course.slug, "lesson_id": lesson_id, "attempt_id": attempt.pk},
    )


def sessions_create(pages: list[Page]) -> dict[int, object]:
    """Log each needed student in once (a real session row, as a browser holds)
    and give their pages the session cookie. Returns student -> test Client."""
    clients: dict[int, Client] = {}
    for page in pages:
        if page.student is None:
            continue
        if page.student not in clients:
            client = Client(HTTP_HOST=HOST)
            client.force_login(User.objects.get(email=seed.student_email(page.student)))
            clients[page.student] = client
        session_key = clients[page.student].cookies[settings.SESSION_COOKIE_NAME].value
        page.cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return clients


def client_for(page: Page, clients: dict):
    return clients[page.student] if page.student is not None else Client(HTTP_HOST=HOST)
