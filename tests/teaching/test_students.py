"""The students page of a course (/teach/courses/<slug>/students/): who may see
it, what each column shows, search, sorting, pagination and its query count."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.db.models import F
from django.urls import reverse

from courses.services.authoring import curriculum_changed_send
from enrollments.models import Enrollment
from learning.models import Certificate, QuizAttempt
from lms.models import User
from tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, ModuleFactory, UserFactory
from tests.learning.factories import QuizFactory
from tests.own_pages import own_pages_renewed

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


class _Table(HTMLParser):
    """The header cells and the body rows of the page's table, as text."""

    def __init__(self):
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.links: list[list[str]] = []  # each body row's hrefs
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
            self.links.append([])
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "a" and self._in_body:
            self.links[-1].append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            (self.rows[-1] if self._in_body else self.headers).append(text)
            self._cell = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_of(response) -> _Table:
    parser = _Table()
    parser.feed(response.content.decode())
    return parser


def names_on(response) -> list[str]:
    return [row.enrollment.user.display_name for row in response.context["rows"]]


@pytest.fixture
def course(instructor):
    """A course of two modules with two quizzes; the second quiz was written
    first, so only curriculum order puts "First check" before "Final exam"."""
    course = CourseFactory(instructor=instructor, title="Django for grown-ups", slug="django")
    first, second = ModuleFactory(course=course, order=0), ModuleFactory(course=course, order=1)
    final = QuizFactory(lesson__module=second, lesson__order=0, lesson__title="Final exam")
    LessonFactory(module=first, order=0, title="Reading")
    check = QuizFactory(lesson__module=first, lesson__order=1, lesson__title="First check")
    course.quizzes = [check, final]
    return course


def url(course, **params) -> str:
    path = reverse("teaching:students", kwargs={"slug": course.slug})
    return f"{path}?{urlencode(params)}" if params else path


def enroll(course, first_name="", last_name="", email=None, **fields) -> Enrollment:
    user = UserFactory(first_name=first_name, last_name=last_name, **({"email": email} if email else {}))
    enrolled_at = fields.pop("enrolled_at", None)
    enrollment = EnrollmentFactory(user=user, course=course, **fields)
    if enrolled_at is not None:  # auto_now_add: set it afterwards
        Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=enrolled_at)
    return enrollment


def attempt(enrollment, quiz, score, *, number, submitted=True) -> QuizAttempt:
    return QuizAttempt.objects.create(
        user=enrollment.user,
        quiz=quiz,
        attempt_number=number,
        started_at=T0,
        submitted_at=T0 + timedelta(minutes=5) if submitted else None,
        score=score,
        passed=bool(submitted and score >= quiz.pass_mark),
    )


# --- Who sees it ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "student", "other_instructor", "instructor", "superuser"])
def test_only_the_instructor_and_superusers_see_the_students(client, request, course, who):
    status = {"instructor": 200, "superuser": 200, "anonymous": 302}.get(who, 404)
    EnrollmentFactory(user=request.getfixturevalue("student"), course=course)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    response = client.get(url(course))

    assert response.status_code == status
    if status == 302:  # sent to log in first (an expired session), nothing looked up
        assert response["Location"].startswith("/accounts/login/")
    elif status == 404:  # the site's friendly page, which says nothing about the course
        assert "We couldn’t find that page" in response.content.decode()
        assert "student@example.com" not in response.content.decode()
    else:
        assert "student@example.com" in response.content.decode()


def test_an_unknown_course_is_a_404_for_its_instructor_too(client, instructor, course):
    client.force_login(instructor)
    assert client.get(reverse("teaching:students", kwargs={"slug": "no-such-course"})).status_code == 404


def test_an_instructor_sees_the_students_of_their_draft_course(client, instructor):
    draft = CourseFactory(instructor=instructor, status="draft")
    enroll(draft, "Early", "Bird")
    client.force_login(instructor)
    assert names_on(client.get(url(draft))) == ["Early Bird"]


def test_the_page_refuses_a_post(client, instructor, course):
    client.force_login(instructor)
    assert client.post(url(course)).status_code == 405


# --- What each column shows ------------------------------------------------------


def test_each_column_shows_the_students_figures(client, instructor, course):
    check, final = course.quizzes
    done = datetime(2025, 4, 2, 14, 5, tzinfo=UTC)
    grace = enroll(course, "Grace", "Hopper", "grace@navy.example", enrolled_at=T0, progress_percent=100)
    Enrollment.objects.filter(pk=grace.pk).update(last_activity_at=done, completed_at=done)
    certificate = Certificate.objects.create(
        enrollment=grace, student_name="G", course_title="C", instructor_name="I", completed_at=done
    )
    attempt(grace, check, 40, number=1)
    attempt(grace, check, 90, number=2)  # the best counts
    attempt(grace, check, 70, number=3)
    attempt(grace, final, 100, number=1, submitted=False)  # still open: no score yet
    alan = enroll(course, "Alan", "Turing", "alan@bletchley.example", enrolled_at=T0 + timedelta(days=1))
    Enrollment.objects.filter(pk=alan.pk).update(
        progress_percent=35, status="revoked", last_activity_at=datetime(2025, 3, 20, 8, 0, tzinfo=UTC)
    )
    attempt(alan, final, 55, number=1)
    other_course = CourseFactory()
    elsewhere = QuizFactory(lesson__module=ModuleFactory(course=other_course))
    attempt(enroll(other_course, "Not", "Listed"), elsewhere, 99, number=1)
    EnrollmentFactory(user=grace.user, course=other_course)
    client.force_login(instructor)

    response = client.get(url(course))

    table = table_of(response)
    assert table.headers == [
        *("Student", "Status", "Progress", "Enrolled", "Last activity ↓"),
        *("First check best score", "Final exam best score", "Completed", "Certificate"),
    ]
    assert [" | ".join(row) for row in table.rows] == [
        "Grace Hopper grace@navy.example | Active | 100% | 1 Mar 2025 | 2 Apr 2025, 14:05 | 90% | — "
        "| 2 Apr 2025 | Certificate of Grace Hopper",
        "Alan Turing alan@bletchley.example | Revoked | 35% | 2 Mar 2025 | 20 Mar 2025, 08:00 | — | 55% "
        "| — | —",
    ]
    assert table.links[0] == ["mailto:grace@navy.example", certificate.get_absolute_url()]
    assert table.links[1] == ["mailto:alan@bletchley.example"]
    html = response.content.decode()
    assert 'class="is-revoked"' in html and "Not Listed" not in html


def test_a_student_who_never_did_anything_shows_never_and_no_scores(client, instructor, course):
    enroll(course, "Quiet", "Student", enrolled_at=T0)
    client.force_login(instructor)

    [row] = table_of(client.get(url(course))).rows

    assert row[1:] == ["Active", "0%", "1 Mar 2025", "Never", "—", "—", "—", "—"]


def test_a_course_without_quizzes_has_no_score_columns(client, instructor):
    course = CourseFactory(instructor=instructor)
    enroll(course, "Ada", "Lovelace")
    client.force_login(instructor)

    table = table_of(client.get(url(course)))

    assert not any("best score" in header for header in table.headers)
    assert len(table.rows[0]) == len(table.headers) == 7


def test_the_page_links_to_the_csv(client, instructor, course):
    client.force_login(instructor)
    html = client.get(url(course)).content.decode()
    assert f'href="{reverse("teaching:students_csv", kwargs={"slug": course.slug})}"' in html


def test_no_students_yet(client, instructor, course):
    client.force_login(instructor)
    response = client.get(url(course))
    assert "No one has enrolled in this course yet." in response.content.decode()
    assert "<table" not in response.content.decode()


# --- Search --------------------------------------------------------------------------


@pytest.fixture
def three_students(course):
    enroll(course, "Ada", "Lovelace", "countess@analytical.example", last_activity_at=T0)
    enroll(course, "Grace", "Hopper", "grace@navy.example", last_activity_at=T0 - timedelta(days=1))
    enroll(course, "Alan", "Turing", "alan@bletchley.example", last_activity_at=T0 - timedelta(days=2))
    enroll(CourseFactory(), "Grace", "Elsewhere", "grace@elsewhere.example")


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("hopper", ["Grace Hopper"]),  # last name, any case
        ("GRACE", ["Grace Hopper"]),  # first name; not the student of another course
        ("Analytical", ["Ada Lovelace"]),  # e-mail
        ("  a  ", ["Ada Lovelace", "Grace Hopper", "Alan Turing"]),
        ("ada lovelace", ["Ada Lovelace"]),  # every word, each in any of the three
        ("ada turing", []),
    ],
)
def test_search_by_name_or_email(client, instructor, course, three_students, q, found):
    client.force_login(instructor)

    response = client.get(url(course, q=q))

    assert names_on(response) == found
    assert response.context["query"] == q.strip()


def test_a_search_without_match_says_so_and_keeps_the_words(client, instructor, course, three_students):
    client.force_login(instructor)

    html = client.get(url(course, q="Babbage")).content.decode()

    assert "No student matches “Babbage”" in html
    assert 'name="q" value="Babbage"' in html
    assert "0 students matching “Babbage”" in html


def test_a_nul_character_in_the_search_is_dropped(client, instructor, course, three_students):
    client.force_login(instructor)
    response = client.get(url(course, q="Hop\x00per"))
    assert names_on(response) == ["Grace Hopper"]


def test_the_search_box_keeps_the_sort_and_the_sort_links_keep_the_search(
    client, instructor, course, three_students
):
    client.force_login(instructor)

    html = client.get(url(course, q="a", sort="progress")).content.decode()

    assert '<input type="hidden" name="sort" value="progress">' in html
    assert 'href="?q=a&amp;sort=-progress"' in html  # Progress, the other way round
    assert 'href="?q=a&amp;sort=-activity"' in html  # Last activity, most recent first
    assert 'href="?sort=progress">Show every student' in html


# --- Sorting --------------------------------------------------------------------------


@pytest.fixture
def sortable(course):
    """Ties on both sort keys and a student who never did anything; created in
    the order of their names, so the enrollment id breaks ties by name."""
    enroll(course, "A", "Early", progress_percent=50, last_activity_at=T0)
    enroll(course, "B", "Latest", progress_percent=10, last_activity_at=T0 + timedelta(hours=1))
    enroll(course, "C", "Tied", progress_percent=50, last_activity_at=T0 + timedelta(hours=1))
    enroll(course, "D", "Never", progress_percent=0, last_activity_at=None)
    enroll(course, "E", "Oldest", progress_percent=10, last_activity_at=T0 - timedelta(days=30))


@pytest.mark.parametrize(
    ("sort", "order", "caption"),
    [
        (None, ["B", "C", "A", "E", "D"], "last activity, most recent first"),
        ("-activity", ["B", "C", "A", "E", "D"], "last activity, most recent first"),
        ("activity", ["E", "A", "B", "C", "D"], "last activity, least recent first"),
        ("-progress", ["A", "C", "B", "E", "D"], "progress, highest first"),
        ("progress", ["D", "B", "E", "A", "C"], "progress, lowest first"),
        ("email", ["B", "C", "A", "E", "D"], "last activity, most recent first"),  # unknown: the default
    ],
)
def test_sorting_both_ways_with_ties_and_no_activity_last(
    client, instructor, course, sortable, sort, order, caption
):
    client.force_login(instructor)

    response = client.get(url(course, sort=sort) if sort else url(course))

    assert [name.split()[0] for name in names_on(response)] == order
    assert f"Students, sorted by {caption}" in response.content.decode()


def test_the_sorted_column_says_so_and_its_link_turns_the_order_round(client, instructor, course, sortable):
    client.force_login(instructor)

    html = client.get(url(course, sort="-progress")).content.decode()

    assert '<th scope="col" aria-sort="descending"><a class="students-sort" href="?sort=progress">' in html
    assert '<th scope="col"><a class="students-sort" href="?sort=-activity">Last activity</a>' in html
    html = client.get(url(course, sort="activity")).content.decode()
    assert '<th scope="col" aria-sort="ascending"><a class="students-sort" href="?sort=-activity">' in html


# --- Pagination -----------------------------------------------------------------------


def test_pages_of_25_keep_the_search_and_the_sort(client, instructor, course):
    for n in range(30):
        enroll(course, "Match", f"Student{n:02d}", progress_percent=n)
    for n in range(3):
        enroll(course, "Other", f"Person{n}", progress_percent=99)
    client.force_login(instructor)

    first = client.get(url(course, q="match", sort="-progress"))
    second = client.get(url(course, q="match", sort="-progress", page=2))

    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 5
    assert names_on(first) + names_on(second) == [f"Match Student{n:02d}" for n in reversed(range(30))]
    assert 'href="?q=match&amp;sort=-progress&amp;page=2"' in first.content.decode()
    assert 'href="?q=match&amp;sort=-progress&amp;page=1"' in second.content.decode()
    assert "30 students matching “match”" in first.content.decode()
    assert names_on(client.get(url(course, q="match", sort="-progress", page=99))) == names_on(second)


# --- Queries --------------------------------------------------------------------------

# session, user, course (through the policy), count, the page of enrollments with
# users and certificates, the course's quizzes (the cached curriculum's version),
# best scores of the page's students, the header's unread badge.
STUDENTS_PAGE_QUERIES = 8
# The curriculum's modules and lessons, when no page has cached them yet.
CURRICULUM_LOAD = 2


@pytest.mark.parametrize("count", [3, 300])
@pytest.mark.parametrize("q", ["", "student"])
def test_the_page_runs_a_constant_number_of_queries(
    client, django_assert_num_queries, instructor, course, count, q
):
    check, final = course.quizzes
    users = User.objects.bulk_create(
        User(email=f"student{n}@example.com", first_name="Student", last_name=f"No {n}") for n in range(count)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            user=user,
            course=course,
            progress_percent=n % 101,
            last_activity_at=T0 + timedelta(minutes=n),
            completed_at=T0 if n % 3 == 0 else None,
        )
        for n, user in enumerate(users)
    )
    Certificate.objects.bulk_create(
        Certificate(enrollment=e, student_name="S", course_title="C", instructor_name="I", completed_at=T0)
        for e in enrollments[::3]
    )
    QuizAttempt.objects.bulk_create(
        QuizAttempt(user=user, quiz=quiz, attempt_number=number, started_at=T0, submitted_at=T0, score=score)
        for user in users
        for quiz in (check, final)
        for number, score in ((1, 40), (2, 80))
    )
    client.force_login(instructor)

    with django_assert_num_queries(STUDENTS_PAGE_QUERIES + CURRICULUM_LOAD):
        client.get(url(course, q=q) if q else url(course))
    own_pages_renewed(instructor)  # drawn again: the curriculum is cached
    with django_assert_num_queries(STUDENTS_PAGE_QUERIES):
        response = client.get(url(course, q=q) if q else url(course))

    assert len(response.context["rows"]) == min(count, 25)
    assert all(row.best_scores == (80, 80) for row in response.context["rows"])
    numbers = [int(row.enrollment.user.last_name.split()[-1]) for row in response.context["rows"]]
    assert numbers == list(range(count - 1, max(count - 26, -1), -1))  # the most recently active
    assert [row.certificate is not None for row in response.context["rows"]] == [n % 3 == 0 for n in numbers]


def test_a_new_student_and_a_new_score_show_at_once(client, instructor, course):
    check, _final = course.quizzes
    enroll(course, "First", "Student", enrolled_at=T0)
    client.force_login(instructor)
    assert names_on(client.get(url(course))) == ["First Student"]

    newcomer = enroll(course, "New", "Comer", enrolled_at=T0 + timedelta(days=1))
    attempt(newcomer, check, 75, number=1)
    Enrollment.objects.filter(pk=newcomer.pk).update(last_activity_at=T0 + timedelta(days=2))

    response = client.get(url(course))
    assert names_on(response) == ["New Comer", "First Student"]  # the most recent activity first
    assert table_of(response).rows[0][5:7] == ["75%", "—"]


def test_sorting_by_progress_uses_the_current_percentages(
    client, django_assert_num_queries, instructor, course
):
    fresh = enroll(course, "Fresh", "Figures", progress_percent=50)
    stale = enroll(course, "Stale", "Figures", progress_percent=90)
    client.force_login(instructor)
    # Is any stored percentage stale? And the curriculum, not cached yet.
    with django_assert_num_queries(STUDENTS_PAGE_QUERIES + 1 + CURRICULUM_LOAD):
        assert names_on(client.get(url(course, sort="-progress"))) == ["Stale Figures", "Fresh Figures"]

    # The curriculum changed since the 90 % was stored: it is counted again (nothing of
    # the three lessons completed, 0 %); the 50 % is stored for the new curriculum.
    curriculum_changed_send([course.pk])
    Enrollment.objects.filter(pk=fresh.pk).update(progress_revision=F("progress_revision") + 1)
    response = client.get(url(course, sort="-progress"))

    assert names_on(response) == ["Fresh Figures", "Stale Figures"]
    assert [row.enrollment.progress_percent for row in response.context["rows"]] == [50, 0]
    assert Enrollment.objects.get(pk=stale.pk).progress_percent == 90  # as stored, until its job runs
