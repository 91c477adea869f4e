"""The CSV of a course's students (/teach/courses/<slug>/students.csv): who may
download it, its exact content, and that it streams in constant memory."""

import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enrollments.models import Enrollment
from lms.models import User
from teaching.selectors.students import EXPORT_CHUNK_SIZE
from teaching.views.common import csv_cell as _cell
from teaching.views.students import CSV_PIECE_SIZE
from tests.factories import CourseFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
HEADER = "email,name,enrolled_at,status,progress_percent,completed_at,last_activity_at\r\n"


@pytest.fixture
def course(instructor):
    return CourseFactory(instructor=instructor, slug="django-for-grown-ups")


def csv_url(course) -> str:
    return reverse("teaching:students_csv", kwargs={"slug": course.slug})


def content_of(response) -> str:
    return b"".join(response.streaming_content).decode()


def students(course, count: int) -> None:
    """`count` students of `course`, in two bulk INSERTs."""
    users = User.objects.bulk_create(
        User(email=f"student{n}@{course.slug}.example", first_name="Student", last_name=f"Number {n}")
        for n in range(count)
    )
    Enrollment.objects.bulk_create(
        Enrollment(user=user, course=course, progress_percent=n % 101, last_activity_at=T0)
        for n, user in enumerate(users)
    )


@pytest.mark.parametrize("who", ["anonymous", "student", "other_instructor", "instructor", "superuser"])
def test_only_the_instructor_and_superusers_download_the_csv(client, request, course, who):
    status = {"instructor": 200, "superuser": 200, "anonymous": 302}.get(who, 404)
    EnrollmentFactory(user=request.getfixturevalue("student"), course=course)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    response = client.get(csv_url(course))

    assert response.status_code == status
    if status == 200:
        assert "student@example.com" in content_of(response)
    else:
        assert not response.streaming and b"student@example.com" not in response.content


def test_an_unknown_course_is_a_404(client, instructor):
    client.force_login(instructor)
    assert client.get(reverse("teaching:students_csv", kwargs={"slug": "nope"})).status_code == 404


def test_the_csv_has_every_student_of_the_course_oldest_first(client, instructor, course):
    def enroll(email, first_name, last_name, enrolled_at, **fields):
        user = UserFactory(email=email, first_name=first_name, last_name=last_name)
        enrollment = EnrollmentFactory(user=user, course=course, **fields)
        Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=enrolled_at)

    enroll(
        "grace@navy.example",
        "Grace",
        "Hopper",
        T0,
        progress_percent=100,
        completed_at=datetime(2025, 4, 2, 14, 5, 7, 123456, tzinfo=UTC),
        last_activity_at=datetime(2025, 4, 2, 14, 5, 7, tzinfo=UTC),
    )
    enroll(
        "countess@analytical.example",
        "Ada",
        'Lovelace, "the Countess"',
        T0 + timedelta(days=2),
        progress_percent=35,
        last_activity_at=datetime(2025, 3, 5, 23, 59, tzinfo=UTC),
        status=Enrollment.Status.REVOKED,
    )
    enroll("mallory@evil.example", '=HYPERLINK("http://evil.example")', "", T0 + timedelta(days=3))
    enroll("-dash@example.com", "+Plus", "Sign", T0 + timedelta(days=4))
    enroll("at@example.com", "@SUM(A1:A9)", "", T0 + timedelta(days=5))
    enroll("noname@example.com", "", "", T0 + timedelta(days=1))  # never did anything
    EnrollmentFactory(course=CourseFactory(), user__email="elsewhere@example.com")
    client.force_login(instructor)

    response = client.get(csv_url(course))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="django-for-grown-ups-students.csv"'
    assert content_of(response) == (
        HEADER + "grace@navy.example,Grace Hopper,2025-03-01T09:30:00Z,active,100,"
        "2025-04-02T14:05:07Z,2025-04-02T14:05:07Z\r\n"
        "noname@example.com,,2025-03-02T09:30:00Z,active,0,,\r\n"
        'countess@analytical.example,"Ada Lovelace, ""the Countess""",2025-03-03T09:30:00Z,revoked,35,'
        ",2025-03-05T23:59:00Z\r\n"
        'mallory@evil.example,"\'=HYPERLINK(""http://evil.example"")",2025-03-04T09:30:00Z,active,0,,\r\n'
        "'-dash@example.com,'+Plus Sign,2025-03-05T09:30:00Z,active,0,,\r\n"
        "at@example.com,'@SUM(A1:A9),2025-03-06T09:30:00Z,active,0,,\r\n"
    )


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ada", "Ada"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_gets_an_apostrophe(text, cell):
    assert _cell(text) == cell


def test_a_course_without_students_is_just_the_header(client, instructor, course):
    client.force_login(instructor)
    assert content_of(client.get(csv_url(course))) == HEADER


def test_the_csv_streams_in_pieces_from_a_generator(client, instructor, course):
    students(course, 3000)
    client.force_login(instructor)

    response = client.get(csv_url(course))

    assert isinstance(response, StreamingHttpResponse) and response.streaming
    pieces = response.streaming_content
    assert isinstance(pieces, Iterator) and not isinstance(pieces, bytes | str | list)
    with CaptureQueriesContext(connection) as queries:
        assert next(pieces) == HEADER.encode()
    assert len(queries) == 0  # the download starts before the rows are read
    rest = list(pieces)
    assert len(rest) > 3  # ~120 kB of rows in pieces of CSV_PIECE_SIZE characters
    assert all(len(piece) < CSV_PIECE_SIZE + 200 for piece in rest)
    lines = b"".join(rest).decode().splitlines()
    assert len(lines) == 3000
    assert lines[0].startswith("student0@django-for-grown-ups.example,Student Number 0,")
    assert lines[-1].startswith("student2999@django-for-grown-ups.example,Student Number 2999,")


@pytest.mark.parametrize("count", [3, 2500])
def test_the_csv_reads_every_row_with_one_query(client, django_assert_num_queries, instructor, course, count):
    students(course, count)
    client.force_login(instructor)

    # session, user, course (through the policy), the rows (one cursor, read in chunks).
    with django_assert_num_queries(4):
        lines = content_of(client.get(csv_url(course))).splitlines()

    assert len(lines) == count + 1


def _peak_while_streaming(client, course) -> int:
    response = client.get(csv_url(course))  # the rows are read while it streams
    tracemalloc.start()
    try:
        lines = sum(piece.count(b"\n") for piece in response.streaming_content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lines == Enrollment.objects.filter(course=course).count() + 1
    return peak


def test_memory_does_not_grow_with_the_number_of_rows(client, instructor):
    assert EXPORT_CHUNK_SIZE * 2 <= 2_000  # both exports read several chunks: a steady state
    small, large = CourseFactory(instructor=instructor), CourseFactory(instructor=instructor)
    students(small, 2_000)
    students(large, 10_000)
    client.force_login(instructor)
    _peak_while_streaming(client, small)  # warm up: compiled queries, imports, caches

    small_peak = _peak_while_streaming(client, small)
    large_peak = _peak_while_streaming(client, large)

    # Loading every row at once would make the large peak about five times the
    # small one; streaming keeps it about the same (a chunk of rows, a piece of CSV).
    assert large_peak < small_peak * 1.5, (small_peak, large_peak)


@pytest.mark.django_db(transaction=True)
def test_the_csv_streams_when_every_request_is_atomic(client, instructor, course, monkeypatch):
    """On PostgreSQL a cursor opened in the view's transaction would be gone
    once ATOMIC_REQUESTS commits it, before the response streams; the rows are
    read only while it streams, so every one arrives."""
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    students(course, 2500)
    client.force_login(instructor)

    response = client.get(csv_url(course))

    assert len(content_of(response).splitlines()) == 2501
