"""The teaching dashboard: a row of figures per course taught, and what waits
for the instructor (submissions to review, unanswered questions, new reviews).

Everything is fetched through `teaching.policies.courses_taught_by`, so an
instructor sees their own courses and a superuser every course (narrowed to
one instructor on request). A constant number of queries whatever the number
of courses and students: three for the rows (the courses, their students,
their revenue), two per list below them (its first few items, its total),
but one for the reviews (their total is the courses' rating counts).

The students of each course are counted at most once a minute
(teaching.selectors.counted), which the page says; the lists of what waits
for the instructor are live."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Generic, TypeVar

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.functional import SimpleLazyObject

from community.discussions.selectors import questions_unanswered_for
from community.models import CourseRating, Review
from community.selectors import reviews_counted
from courses.models import Course
from enrollments.models import Enrollment
from learning.models import Submission
from lms.models import User
from teaching.policies import courses_taught_by
from teaching.selectors.counted import counted_many, oldest
from teaching.selectors.figures import month_start, percent
from teaching.selectors.revenue import CourseRevenue, revenue_by_course

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from community.discussions.models import Question

QUEUE_LENGTH = 5
# The newest reviews of the courses among which the newest that count are looked for first.
REVIEW_CANDIDATES = 50
NEW_ENROLLMENTS_DAYS = 7

T = TypeVar("T")


@dataclass(frozen=True)
class Queue(Generic[T]):
    """The first few items of a list and how many it has in all."""

    items: list[T]
    total: int


def _queue(queryset: QuerySet, *, length: int = QUEUE_LENGTH) -> Queue:
    """Two small queries: the first `length` rows (a top-N sort, joined to what
    they show) and the COUNT (which drops the joins and annotations it does not
    need). One query with COUNT(*) OVER () would join every row before the LIMIT."""
    return Queue(items=list(queryset[:length]), total=queryset.count())


@dataclass(frozen=True)
class StudentCounts:
    active: int = 0
    completed: int = 0  # active students who completed the course
    new: int = 0  # enrolled in the last NEW_ENROLLMENTS_DAYS, whatever became of them


COURSE_ROW_FIELDS = (
    "title",
    "slug",
    "status",
    "currency",
    "instructor__first_name",
    "instructor__last_name",
    "instructor__email",
    "rating__count",
    "rating__average",
)


@dataclass(frozen=True)
class CourseRow:
    """A course (with its instructor and rating figures), its students and
    its revenue per currency (the course's own first)."""

    course: Course
    students: StudentCounts
    revenue: list[CourseRevenue] = field(default_factory=list)

    @property
    def completion_rate(self) -> Decimal | None:
        return percent(self.students.completed, self.students.active)

    @property
    def rating_average(self) -> Decimal | None:
        rating = getattr(self.course, "rating", None)
        return rating.average if rating is not None and rating.count else None

    @property
    def rating_count(self) -> int:
        rating = getattr(self.course, "rating", None)
        return rating.count if rating is not None else 0


# Course rows a page: a superuser's dashboard lists every course (2,000 at the bench's
# BENCH_SCALE=10: 0.8 s a view), an instructor's rarely more than a page.
COURSES_PER_PAGE = 50


@dataclass(frozen=True)
class CoursePage:
    number: int
    has_previous: bool
    has_next: bool

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


@dataclass(frozen=True)
class Dashboard:
    rows: list[CourseRow]
    page: CoursePage
    students_as_of: datetime | None  # when the oldest of the rows' students were counted
    submissions: Queue[Submission]
    questions: Queue[Question]
    reviews: Queue[Review]
    # For a superuser: the users who teach, to narrow the page to one of them. Read
    # when first used: the page keeps its list drawn for a minute (it scans every user,
    # 30 ms for 100,000, and 200 options are 5 ms of template).
    instructors: list[User] | None
    instructor_id: int | None


def courses_for_dashboard(
    *, user: User | AnonymousUser, instructor_id: int | None = None
) -> QuerySet[Course]:
    """The courses the user teaches; a superuser's narrowed to `instructor_id` if given."""
    courses = courses_taught_by(user)
    if instructor_id is not None and user.is_superuser:
        courses = courses.filter(instructor_id=instructor_id)
    return courses


def student_counts_by_course(*, course_ids: list[int], now: datetime) -> dict[int, StudentCounts]:
    """One query: the courses' enrollments GROUP BY course, with conditional
    COUNTs (the narrow enrollment rows are grouped, not the wide course rows).
    The ids are those of the courses listed, already loaded: as a list of values
    PostgreSQL reads just their enrollments through the course index, where the
    courses as a subquery made it read all 100,000 (20-30 ms for an
    instructor with 10 of the bench's 200 courses)."""
    active = Q(status=Enrollment.Status.ACTIVE)
    rows = (
        Enrollment.objects.filter(course_id__in=course_ids)
        .values("course_id")
        .annotate(
            active=Count("pk", filter=active),
            completed=Count("pk", filter=active & Q(completed_at__isnull=False)),
            new=Count("pk", filter=Q(enrolled_at__gte=now - timedelta(days=NEW_ENROLLMENTS_DAYS))),
        )
        .order_by()
    )
    return {row.pop("course_id"): StudentCounts(**row) for row in rows}


def course_rows(
    *, courses: QuerySet[Course], now: datetime, page: int = 1
) -> tuple[list[CourseRow], CoursePage, datetime | None]:
    """Page `page` of the course rows (COURSES_PER_PAGE, by title), in three
    queries whatever the number of courses: the courses with their instructor and
    rating figures (one row more than a page, to know whether another follows),
    their students (none when every course's were counted in the last minute),
    their revenue. With when the oldest of the students were counted."""
    # Just what the rows show (the descriptions alone are most of the rows' bytes).
    start = (page - 1) * COURSES_PER_PAGE
    listed = list(
        courses.select_related("instructor", "rating")
        .only(*COURSE_ROW_FIELDS)
        .order_by("title", "pk")[start : start + COURSES_PER_PAGE + 1]
    )
    course_page = CoursePage(number=page, has_previous=page > 1, has_next=len(listed) > COURSES_PER_PAGE)
    listed = listed[:COURSES_PER_PAGE]
    course_ids = [course.pk for course in listed]
    students = counted_many(
        keys={pk: f"teaching:dashboard-students:{pk}" for pk in course_ids},
        now=now,
        count=lambda ids: student_counts_by_course(course_ids=ids, now=now),
        missing=StudentCounts(),
    )
    revenue = revenue_by_course(
        courses=Course.objects.filter(pk__in=course_ids), month_start=month_start(now=now)
    )
    rows = [
        CourseRow(
            course=course,
            students=students[course.pk].value,
            revenue=sorted(
                revenue.get(course.pk, []), key=lambda r: (r.currency != course.currency, r.currency)
            ),
        )
        for course in listed
    ]
    return rows, course_page, oldest(list(students.values()))


def submissions_awaiting_review(*, courses: QuerySet[Course]) -> Queue[Submission]:
    """Submissions waiting for review, the longest waiting first."""
    return _queue(
        Submission.objects.filter(status=Submission.Status.SUBMITTED, lesson__module__course__in=courses)
        .select_related("user", "lesson__module__course")
        .order_by("submitted_at", "pk")
    )


def questions_unanswered(*, user: User | AnonymousUser, courses: QuerySet[Course]) -> Queue[Question]:
    """Questions without an accepted answer (community's own list), the longest waiting first."""
    return _queue(questions_unanswered_for(user=user).filter(lesson__module__course__in=courses))


def reviews_newest(*, rows: list[CourseRow], courses: QuerySet[Course], whole: bool) -> Queue[Review]:
    """The newest reviews that count (community.selectors.reviews_counted) of
    the courses of `rows`. One query: their number is the sum of the courses'
    rating counts (`CourseRating.count`, written with every change that moves
    it), where counting them checked each review's author's enrollment (10 to
    45 ms on the bench's 10,000 reviews). The courses go in as a list of ids:
    PostgreSQL then walks the index of the newest reviews and stops at the
    fifth that counts (1 ms), where a subquery of courses made it join and
    sort all of their reviews (13 ms for the 1,000 of an instructor's 10 courses).
    Only the REVIEW_CANDIDATES newest reviews are checked (at ten times the data an
    instructor's courses have 672, and checking each one's author was 8 ms); one more
    query, of them all, when too few of those count. When `rows` are only one page of
    `courses` (not `whole`), the courses go in as a subquery and the total is one more
    query."""
    if whole:
        course_ids: list[int] | QuerySet[Course] = [row.course.pk for row in rows]
        total = sum(row.rating_count for row in rows)
    else:
        course_ids = courses
        total = CourseRating.objects.filter(course__in=courses).aggregate(total=Sum("count"))["total"] or 0
    newest = (
        reviews_counted(courses=course_ids).select_related("user", "course").order_by("-created_at", "-pk")
    )
    # The newest reviews that count are almost always among the newest reviews: only those
    # are checked (their authors' enrollments), not every review of the courses (672 of an
    # instructor's 10 courses at BENCH_SCALE=10: 8 ms). Too few of them count: all are.
    recent = Review.objects.filter(course__in=course_ids).order_by("-created_at", "-pk")
    items = list(newest.filter(pk__in=recent.values("pk")[:REVIEW_CANDIDATES])[:QUEUE_LENGTH])
    if len(items) < min(QUEUE_LENGTH, total):
        items = list(newest[:QUEUE_LENGTH])
    return Queue(items=items, total=total)


def instructors_listed() -> list[User]:
    """Everyone who teaches: instructors, and anyone with a course."""
    teaches = Exists(Course.objects.filter(instructor=OuterRef("pk")))
    return list(
        User.objects.filter(Q(is_instructor=True) | Q(teaches), is_active=True).order_by(
            "first_name", "last_name", "email"
        )
    )


def dashboard_get(
    *, user: User | AnonymousUser, now: datetime, instructor_id: int | None = None, page: int = 1
) -> Dashboard:
    """The dashboard of a user who `can_teach`: eight queries (nine for a
    superuser, whose list of instructors is read when used; one more when the
    courses fill more than a page), one fewer when the students of the courses
    were counted in the last minute."""
    if not user.is_superuser:
        instructor_id = None
    courses = courses_for_dashboard(user=user, instructor_id=instructor_id)
    rows, course_page, students_as_of = course_rows(courses=courses, now=now, page=page)
    whole = not (course_page.has_previous or course_page.has_next)
    return Dashboard(
        rows=rows,
        page=course_page,
        students_as_of=students_as_of,
        submissions=submissions_awaiting_review(courses=courses),
        questions=questions_unanswered(user=user, courses=courses),
        reviews=reviews_newest(rows=rows, courses=courses, whole=whole),
        instructors=SimpleLazyObject(instructors_listed) if user.is_superuser else None,
        instructor_id=instructor_id,
    )
