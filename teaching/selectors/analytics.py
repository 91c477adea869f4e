"""A course's analytics page: who its students are and how far they get,
where they drop off, how its quizzes go, what it earns and how it is rated.

Every figure is a database aggregate; the page runs a constant number of
queries whatever the number of students (tests/teaching/test_analytics.py
pins it). Python loops only over weeks, months, currencies, lessons and
quizzes. What grows with the students (their figures, enrollments per week,
sales, the lesson funnel, the quizzes) is counted at most once a minute
(teaching.selectors.counted), and the page says when."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import Count, DateField, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncWeek

from community.models import CourseRating
from courses.curriculum import Curriculum, CurriculumLesson, curriculum_get
from courses.models import Course, Lesson
from enrollments.models import Enrollment
from learning.models import LessonProgress
from learning.selectors.percentages import progress_percent_current_expression
from lms.db_routers import replica_reads
from teaching.policies import courses_taught_by
from teaching.selectors.counted import Counted, counted
from teaching.selectors.figures import Periods, mean, months_back, percent, weeks_back
from teaching.selectors.quizzes import QuizFigures, quiz_counts_cached, quiz_figures
from teaching.selectors.revenue import CourseSales, MonthRevenue, course_revenue_by_month, course_sales_get

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.models import User

ENROLLMENT_WEEKS = 26
REVENUE_MONTHS = 12

ACTIVE = Q(status=Enrollment.Status.ACTIVE)


def course_get_taught(*, slug: str, user: User | AnonymousUser) -> Course | None:
    """The course `slug` if `user` teaches it (any course for a superuser),
    with its instructor and rating figures; None otherwise. One query."""
    return courses_taught_by(user).select_related("instructor", "rating").filter(slug=slug).first()


def course_rating(course: Course) -> CourseRating:
    """The figures read with the course (`course_get_taught`); zeros before any review."""
    try:
        return course.rating
    except CourseRating.DoesNotExist:
        return CourseRating(course=course)


@dataclass(frozen=True)
class StudentFigures:
    """Active, completed (active students who finished) and revoked students."""

    active: int
    completed: int
    revoked: int
    progress_total: int  # the sum of the active students' progress percentages

    @property
    def completion_rate(self) -> Decimal | None:
        """Percent of the active students who completed the course, one decimal."""
        return percent(self.completed, self.active)

    @property
    def average_progress(self) -> Decimal | None:
        """Mean progress of the active students, one decimal."""
        return mean(self.progress_total, self.active)


@replica_reads()
def student_figures(*, course: Course) -> StudentFigures:
    """One query: conditional aggregates over the course's enrollments; a second
    while some stored percentages are stale (after a curriculum change, until
    its refresh job ran).

    The progress total sums the stored percentages, and counts those of an
    older curriculum than the course's: if there are any, the total is summed
    again with `progress_percent_current_expression` (the rule computed for the
    stale rows). Not always that way: PostgreSQL costs its subqueries for every
    row even while none runs, and on 5,000 students that estimate (750,000)
    set off JIT compilation, 0.4-0.7 s for a 2 ms aggregate; and compiling them
    costs Python 6 ms a request."""
    current = Q(progress_revision__gte=course.curriculum_revision)
    enrollments = Enrollment.objects.filter(course=course)
    figures = enrollments.aggregate(
        active=Count("pk", filter=ACTIVE),
        completed=Count("pk", filter=ACTIVE & Q(completed_at__isnull=False)),
        revoked=Count("pk", filter=Q(status=Enrollment.Status.REVOKED)),
        progress_total=Sum("progress_percent", filter=ACTIVE & current, default=0),
        stale=Count("pk", filter=ACTIVE & ~current),
    )
    if figures.pop("stale"):
        figures["progress_total"] = enrollments.filter(ACTIVE).aggregate(
            total=Sum(progress_percent_current_expression(course=course), default=0)
        )["total"]
    return StudentFigures(**figures)


@dataclass(frozen=True)
class WeekCount:
    week: date  # its Monday
    enrollments: int


@replica_reads()
def enrollments_by_week(*, course: Course, weeks: Periods) -> list[WeekCount]:
    """New enrollments (whatever became of them since) in each of `weeks`. One query."""
    counts = dict(
        Enrollment.objects.filter(course=course, enrolled_at__gte=weeks.since)
        .annotate(week=TruncWeek("enrolled_at", output_field=DateField()))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by("week")
        .values_list("week", "n")
    )
    return [WeekCount(week=week, enrollments=counts.get(week, 0)) for week in weeks.starts]


@dataclass(frozen=True)
class FunnelStep:
    position: int  # 1-based, in curriculum order
    lesson: CurriculumLesson
    module_title: str
    completed: int  # active students who completed it
    active: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.completed, self.active)


def lesson_completions_cached(
    *, course: Course, lesson_ids: list[int], now: datetime
) -> Counted[dict[int, int]]:
    """`lesson_completions`, counted at most a minute ago: it reads every
    progress row of the course (1.2 million on the bench's big course: 0.3 s).
    A new curriculum is a new count at once: the key names its lessons."""
    digest = hashlib.blake2b(repr(lesson_ids).encode(), digest_size=16).hexdigest()
    return counted(
        key=f"teaching:counted-completions:{course.pk}:{digest}",
        now=now,
        count=lambda: lesson_completions(course=course, lesson_ids=lesson_ids),
    )


@replica_reads()
def lesson_completions(*, course: Course, lesson_ids: list[int]) -> dict[int, int]:
    """Per lesson of `lesson_ids` (the course's), how many of its active
    students completed it. One query. The ids are the curriculum's, already
    loaded: a list of values gives PostgreSQL the row estimate it needs to
    hash the course's active students once, where a join to the lessons led it
    to probe the enrollments once per completed lesson."""
    active_student = Exists(
        Enrollment.objects.filter(ACTIVE, course=course, user=OuterRef("user_id")).order_by()
    )
    return dict(
        LessonProgress.objects.filter(lesson_id__in=lesson_ids, completed_at__isnull=False)
        .filter(active_student)
        .values("lesson_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("lesson_id", "n")
    )


@dataclass(frozen=True)
class Funnel:
    curriculum: Curriculum
    completed: dict[int, int]  # lesson id -> active students who completed it
    active: int
    as_of: datetime  # when the completions were counted
    # Names everything the funnel shows (the count, the active students, the
    # curriculum's titles and order): the page keeps its drawing under it.
    key: str

    @cached_property
    def steps(self) -> list[FunnelStep]:
        """Made when asked: the page draws them only when its drawing under
        `key` has gone (1,000 lessons are 3 ms of steps)."""
        steps, position = [], 0
        for module in self.curriculum.modules:
            for lesson in module.lessons:
                position += 1
                steps.append(
                    FunnelStep(
                        position=position,
                        lesson=lesson,
                        module_title=module.title,
                        completed=self.completed.get(lesson.pk, 0),
                        active=self.active,
                    )
                )
        return steps


def lesson_funnel(*, course: Course, active: int, now: datetime) -> Funnel:
    """Each lesson in curriculum order with the active students who completed
    it (where they drop off), and when that was counted. The cached curriculum
    (one query when cached) and one GROUP BY (none when counted in the last minute)."""
    curriculum = curriculum_get(course=course)
    completions = lesson_completions_cached(
        course=course, lesson_ids=[lesson.pk for lesson in curriculum.lessons], now=now
    )
    # The curriculum's version names its lessons (so the count of them), titles and order.
    key = f"{course.pk}|{curriculum.version}|{completions.as_of.isoformat()}|{active}"
    return Funnel(
        curriculum=curriculum, completed=completions.value, active=active, as_of=completions.as_of, key=key
    )


@dataclass(frozen=True)
class CourseCounts:
    """What a course's analytics page counts over its enrollments and purchases."""

    students: StudentFigures
    weeks: list[WeekCount]
    sales: CourseSales
    months: dict[str, list[MonthRevenue]]


def course_counts_key(*, course: Course, now: datetime) -> str:
    """Where `course_counts_cached` keeps the counts: a new curriculum revision
    (which stored percentages are believed), week or month is a new count at once."""
    weeks = weeks_back(now=now, count=ENROLLMENT_WEEKS)
    months = months_back(now=now, count=REVENUE_MONTHS)
    return (
        f"teaching:course-counts:{course.pk}:{course.curriculum_revision}:"
        f"{weeks.since.isoformat()}:{months.since.isoformat()}"
    )


def course_counts_cached(*, course: Course, now: datetime) -> Counted[CourseCounts]:
    """The course's `student_figures`, `enrollments_by_week`, `course_sales_get`
    and `course_revenue_by_month`, counted at most a minute ago: four queries
    when counted, none otherwise."""
    return counted(
        key=course_counts_key(course=course, now=now),
        now=now,
        count=lambda: CourseCounts(
            students=student_figures(course=course),
            weeks=enrollments_by_week(course=course, weeks=weeks_back(now=now, count=ENROLLMENT_WEEKS)),
            sales=course_sales_get(course=course),
            months=course_revenue_by_month(course=course, months=months_back(now=now, count=REVENUE_MONTHS)),
        ),
    )


@dataclass(frozen=True)
class AnalyticsPage:
    course: Course
    students: StudentFigures
    weeks: list[WeekCount]
    sales: CourseSales
    months: dict[str, list[MonthRevenue]]  # per currency, the course's first
    counted_at: datetime  # when the students, their weeks and the money were counted
    lesson_funnel: Funnel
    quizzes: list[QuizFigures]
    quizzes_as_of: datetime
    rating: CourseRating

    @property
    def has_lessons(self) -> bool:
        return bool(self.lesson_funnel.curriculum.lessons)

    @property
    def funnel(self) -> list[FunnelStep]:
        return self.lesson_funnel.steps

    @property
    def funnel_as_of(self) -> datetime:
        return self.lesson_funnel.as_of

    @property
    def funnel_key(self) -> str:
        return self.lesson_funnel.key

    @property
    def quizzes_key(self) -> str:
        """Names everything the quizzes table shows (titles, figures, prompts read
        fresh): the page keeps the table under it. 50 quizzes are 4 ms of template."""
        return hashlib.blake2b(repr(self.quizzes).encode(), digest_size=16).hexdigest()


def course_analytics_get(*, course: Course, now: datetime) -> AnalyticsPage:
    """Everything the analytics page shows of a course fetched with
    `course_get_taught`: a constant number of queries. The figures of the
    students, the money, the progress and quizzes (which read every enrollment,
    purchase, progress row and attempt) were counted at most a minute ago
    (`counted_at`, `funnel_as_of`, `quizzes_as_of`); the ratings are live."""
    counts = course_counts_cached(course=course, now=now)
    students = counts.value.students
    funnel = lesson_funnel(course=course, active=students.active, now=now)
    quiz_lessons = [
        (lesson.pk, lesson.title) for lesson in funnel.curriculum.lessons if lesson.kind == Lesson.Kind.QUIZ
    ]
    quiz_counts = quiz_counts_cached(
        course_id=course.pk, quiz_lesson_ids=[pk for pk, _ in quiz_lessons], now=now
    )
    return AnalyticsPage(
        course=course,
        students=students,
        weeks=counts.value.weeks,
        sales=counts.value.sales,
        months=counts.value.months,
        counted_at=counts.as_of,
        lesson_funnel=funnel,
        quizzes=quiz_figures(quiz_lessons=quiz_lessons, counts=quiz_counts.value),
        quizzes_as_of=quiz_counts.as_of,
        rating=course_rating(course),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def analytics_rows(*, course: Course) -> list[tuple[str, str]]:
    """The course's figures as (metric, value) rows, the analytics CSV: money
    in the course's currency, then per other currency it sold in (suffixed
    with the currency). Two queries (the course comes with its rating)."""
    students = student_figures(course=course)
    sales = course_sales_get(course=course)
    rating = course_rating(course)
    main = sales.main
    rows: list[tuple[str, object]] = [
        ("currency", course.currency),
        ("students_active", students.active),
        ("students_completed", students.completed),
        ("students_revoked", students.revoked),
        ("completion_rate", students.completion_rate),
        ("average_progress", students.average_progress),
        ("revenue_gross", main.gross),
        ("refunded", main.refunded),
        ("revenue_net", main.net),
        ("discounts", main.discounts),
        ("rating_average", rating.average if rating.count else None),
        ("rating_count", rating.count),
        *((f"rating_{stars}_stars", count) for stars, count, _ in rating.distribution),
        ("checkouts_started", sales.checkouts.started),
        ("checkouts_paid", sales.checkouts.paid),
        ("checkouts_refunded", sales.checkouts.refunded),
    ]
    for money in sales.others:
        rows += [
            (f"revenue_gross_{money.currency}", money.gross),
            (f"refunded_{money.currency}", money.refunded),
            (f"revenue_net_{money.currency}", money.net),
            (f"discounts_{money.currency}", money.discounts),
        ]
    return [(metric, _text(value)) for metric, value in rows]
