"""The students of a course, for the people who teach it: the students page (a
page of enrollments with their best quiz scores, in a fixed number of queries
whatever the number of students) and the CSV export of every one of them (read
a chunk at a time, never all at once)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Expression, F, Max, OrderBy, Q, QuerySet
from django.utils.safestring import mark_safe

from courses.curriculum import CurriculumLesson, curriculum_get
from courses.models import Lesson
from enrollments.models import Enrollment
from learning.models import QuizAttempt
from learning.selectors.percentages import CURRENT, progress_current_annotation, progress_current_apply

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

    from courses.models import Course
    from learning.models import Certificate


@dataclass(frozen=True)
class StudentSort:
    label: str  # "sorted by …", for the table's caption
    ordering: tuple[str | OrderBy, ...]


# Students who never did anything have no last activity: they come last both
# ways, as blanks do in a spreadsheet. The enrollment id breaks ties, so a
# student never moves between pages while nothing changes.
STUDENT_SORTS: dict[str, StudentSort] = {
    "-activity": StudentSort(
        "last activity, most recent first", (F("last_activity_at").desc(nulls_last=True), "pk")
    ),
    "activity": StudentSort(
        "last activity, least recent first", (F("last_activity_at").asc(nulls_last=True), "pk")
    ),
    # The current percentage (learning.selectors.percentages), annotated by the selectors below.
    "-progress": StudentSort("progress, highest first", ("-progress_current", "pk")),
    "progress": StudentSort("progress, lowest first", ("progress_current", "pk")),
}
DEFAULT_STUDENT_SORT = "-activity"

# What the page shows of an enrollment, its student and their certificate.
_PAGE_FIELDS = (
    "enrolled_at",
    "completed_at",
    "progress_percent",
    "status",
    "last_activity_at",
    "user__email",
    "user__first_name",
    "user__last_name",
    "certificate__code",
)
# The most words of a search that are matched (each against e-mail, first and last name).
MAX_SEARCH_TERMS = 5
# Rows fetched per round trip of the export; the ORM holds about two chunks at
# once (the next is fetched while the last is still referenced), ~0.5 MB.
EXPORT_CHUNK_SIZE = 1000

# email, first name, last name, enrolled_at, status, progress_percent, completed_at, last_activity_at
ExportRow = tuple[str, str, str, datetime, str, int, datetime | None, datetime | None]


@dataclass(frozen=True)
class StudentRow:
    enrollment: Enrollment  # with its user
    certificate: Certificate | None
    best_scores: tuple[int | None, ...]  # one per quiz of the course, in curriculum order

    @property
    def score_cells(self) -> tuple[str, ...]:
        """The best scores as the table shows them ("80%", "—" for none)."""
        return tuple("—" if score is None else f"{score}%" for score in self.best_scores)

    @property
    def score_cells_html(self) -> SafeString:
        """The row's score cells, written at once: 25 students x 50 quizzes on
        the bench's big course were 1,250 template nodes, a third of the page's time."""
        # Nothing to escape: each cell is a number and "%", or a dash.
        return mark_safe("".join(f'<td class="number">{cell}</td>' for cell in self.score_cells))  # noqa: S308


def _ordering(sort: str) -> tuple[str | OrderBy, ...]:
    return (STUDENT_SORTS.get(sort) or STUDENT_SORTS[DEFAULT_STUDENT_SORT]).ordering


def _progress_to_sort_by(*, course: Course) -> dict[str, Expression]:
    """The current percentage to sort the course's students by: the stored one
    while none is of an older curriculum than the course's (one small query
    tells), else the rule (`progress_current_annotation`). PostgreSQL costs the
    rule's subqueries for every row even while none runs: sorting 5,000
    students by it set off JIT compilation, 0.7 s for a 2 ms sort."""
    stale = Enrollment.objects.filter(course=course, progress_revision__lt=course.curriculum_revision)
    if stale.exists():
        return progress_current_annotation(course=course)
    return {CURRENT: F("progress_percent")}


def student_ids(*, course: Course, query: str = "", sort: str = DEFAULT_STUDENT_SORT) -> QuerySet[Enrollment]:
    """The ids of every enrollment of `course`, active and revoked, searched and
    sorted: what the paginator counts and slices (student_rows reads a page of
    them). Sorting and skipping these narrow rows, and joining the students to
    one page only, keeps the page fast for a course of 100,000 students.

    Each word of `query` must be in the student's e-mail, first or last name
    (so "ada lovelace" finds Ada Lovelace); an unknown sort is the default."""
    enrollments = Enrollment.objects.filter(course=course)
    if sort.lstrip("-") == "progress":
        enrollments = enrollments.annotate(**_progress_to_sort_by(course=course))
    for term in query.split()[:MAX_SEARCH_TERMS]:
        enrollments = enrollments.filter(
            Q(user__email__icontains=term)
            | Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
        )
    return enrollments.order_by(*_ordering(sort)).values_list("pk", flat=True)


def course_quizzes(*, course: Course) -> list[CurriculumLesson]:
    """The quiz lessons of `course`, in curriculum order: from the cached
    curriculum (one small query when cached). Joining the course's lessons to
    the quizzes made PostgreSQL walk every lesson of every course in id order
    (20 ms for 50 quizzes among the 49,000 lessons of the bench at BENCH_SCALE=10)."""
    return [lesson for lesson in curriculum_get(course=course).lessons if lesson.kind == Lesson.Kind.QUIZ]


def student_rows(
    *,
    ids: QuerySet[Enrollment],
    sort: str = DEFAULT_STUDENT_SORT,
    quizzes: Sequence[CurriculumLesson],
    course: Course | None = None,
) -> list[StudentRow]:
    """The enrollments `ids` (a page of student_ids, sorted by the same `sort`)
    in that order, each with its student, certificate and best submitted score
    in each quiz lesson of `quizzes` (None where they submitted none). Two queries: the
    enrollments with their students and certificates (`ids` stays a subquery),
    then one GROUP BY over just these students' attempts (none for an empty
    page or a course without quizzes)."""
    enrollments = list(
        Enrollment.objects.filter(pk__in=ids)
        .select_related("user", "certificate")
        .only(*_PAGE_FIELDS)
        .annotate(**progress_current_annotation(course=course))
        .order_by(*_ordering(sort))
    )
    progress_current_apply(enrollments)
    best: dict[tuple[int, int], int | None] = {}
    if enrollments and quizzes:
        best = {
            (user_id, lesson_id): score
            for user_id, lesson_id, score in QuizAttempt.objects.filter(
                user_id__in=[e.user_id for e in enrollments],
                quiz__lesson_id__in=[lesson.pk for lesson in quizzes],
                submitted_at__isnull=False,
            )
            .order_by()  # the Meta ordering would join the GROUP BY
            .values("user_id", "quiz__lesson_id")
            .annotate(best=Max("score"))
            .values_list("user_id", "quiz__lesson_id", "best")
        }
    return [
        StudentRow(
            enrollment=enrollment,
            certificate=getattr(enrollment, "certificate", None),
            best_scores=tuple(best.get((enrollment.user_id, lesson.pk)) for lesson in quizzes),
        )
        for enrollment in enrollments
    ]


def students_for_export(*, course: Course) -> Iterator[ExportRow]:
    """Every enrollment of `course`, oldest first, as plain tuples (ExportRow),
    read EXPORT_CHUNK_SIZE rows at a time (a server-side cursor on PostgreSQL):
    memory stays flat however many students there are.

    Lazy: the query runs when iteration starts. Iterate it outside
    `transaction.atomic` (Django then holds the PostgreSQL cursor WITH HOLD,
    so it outlives the implicit transaction) or inside one that stays open
    until the end: a streaming response iterates after its view returned."""
    return (
        Enrollment.objects.filter(course=course)
        .annotate(**progress_current_annotation(course=course))
        .order_by("enrolled_at", "pk")
        .values_list(
            "user__email",
            "user__first_name",
            "user__last_name",
            "enrolled_at",
            "status",
            "progress_current",
            "completed_at",
            "last_activity_at",
        )
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
