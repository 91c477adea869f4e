"""A course's analytics page (/teach/courses/<slug>/), its CSV and its charts'
CSVs: who may see them, the charts (SVG, their data tables, their CSVs) and
the page's query count."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from courses.services.authoring import lesson_save
from enrollments.models import Enrollment
from payments.models import Purchase
from teaching.selectors.analytics import course_counts_key
from teaching.selectors.figures import months_back, weeks_back
from teaching.selectors.quizzes import quiz_counts_key
from tests.factories import EnrollmentFactory, UserFactory
from tests.learning.factories import QuizFactory, question_with_choices
from tests.own_pages import own_pages_renewed, without_tokens
from tests.teaching.conftest import attempt, paid, students_in_bulk

pytestmark = pytest.mark.django_db


def urls(slug: str) -> list[str]:
    return [
        reverse("teaching:analytics", args=[slug]),
        reverse("teaching:analytics_csv", args=[slug]),
        *(reverse("teaching:chart_csv", args=[slug, name]) for name in ("enrollments", "revenue", "funnel")),
    ]


# --- who may see them -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "student", "other_instructor", "instructor", "superuser"])
def test_access(client, request, taught, who):
    course = taught.course
    EnrollmentFactory(course=course, user=request.getfixturevalue("student"))  # even an enrolled student
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    for url in urls(course.slug):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response.url == f"{reverse('account_login')}?next={url}"
        elif who in ("student", "other_instructor"):
            assert response.status_code == 404, url
            assert "We couldn’t find that page" in response.content.decode()
        else:
            assert response.status_code == 200, url


def test_unknown_course_and_unknown_chart_are_404(client, instructor, taught):
    client.force_login(instructor)
    assert client.get(reverse("teaching:analytics", args=["no-such-course"])).status_code == 404
    assert client.get(reverse("teaching:chart_csv", args=[taught.course.slug, "secrets"])).status_code == 404


def test_a_draft_is_shown_to_its_instructor(client, instructor, taught):
    taught.course.status = taught.course.Status.DRAFT
    taught.course.save()
    client.force_login(instructor)
    response = client.get(reverse("teaching:analytics", args=[taught.course.slug]))
    assert response.status_code == 200
    assert "Draft" in response.content.decode()


def test_only_get(client, instructor, taught):
    client.force_login(instructor)
    for url in urls(taught.course.slug):
        assert client.post(url).status_code == 405


# --- charts -----------------------------------------------------------------------------------


class _Charts(HTMLParser):
    """Per chart key: its SVG's rects and tooltips, and its data table's rows."""

    def __init__(self):
        super().__init__()
        self.svgs: dict[str, dict] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self._svg = self._table = self._cell = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and "data-chart" in attrs:
            self._svg = self.svgs.setdefault(attrs["data-chart"], {"rects": [], "titles": []})
        elif tag == "rect" and self._svg is not None:
            self._svg["rects"].append(attrs)
        elif tag == "title" and self._svg is not None:
            self._in_title = True
            self._svg["titles"].append("")
        elif tag == "table" and "data-chart-table" in attrs:
            self._table = self.tables.setdefault(attrs["data-chart-table"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg = None
        elif tag == "title":
            self._in_title = False
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._in_title:
            self._svg["titles"][-1] += data
        if self._cell is not None:
            self._cell.append(data)


def charts_of(html: str) -> _Charts:
    parser = _Charts()
    parser.feed(html)
    return parser


def csv_rows(client, course, name) -> list[list[str]]:
    response = client.get(reverse("teaching:chart_csv", args=[course.slug, name]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{course.slug}-{name}.csv"'
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_page_keeps_a_strict_content_security_policy_possible(client, instructor, figures):
    client.force_login(instructor)
    html = client.get(reverse("teaching:analytics", args=[figures.course.slug])).content.decode()
    assert html.count("<svg") >= 4  # enrollments, revenue in usd and in eur, the funnel
    assert " style=" not in html
    assert "<style" not in html and "<script" not in html


def test_enrollments_chart_table_and_csv_show_the_same_weeks(client, instructor, figures):
    now = timezone.now()
    students = figures.students
    Enrollment.objects.filter(user=students[5]).update(enrolled_at=now - timedelta(weeks=2))
    Enrollment.objects.filter(user=students[8]).update(enrolled_at=now - timedelta(weeks=27))  # too old
    client.force_login(instructor)

    html = client.get(reverse("teaching:analytics", args=[figures.course.slug])).content.decode()

    weeks = weeks_back(now=now, count=26).starts
    expected = [[week.isoformat(), "0"] for week in weeks]
    expected[-1][1] = "6"  # the other six enrolled this week
    expected[-3][1] = "1"  # s5, two weeks ago
    charts = charts_of(html)
    assert charts.tables["enrollments"] == [["week", "enrollments"], *expected]
    assert csv_rows(client, figures.course, "enrollments") == [["week", "enrollments"], *expected]
    svg = charts.svgs["enrollments"]
    assert len(svg["titles"]) == 26
    assert svg["titles"][-1] == f"Week of {weeks[-1].day} {weeks[-1]:%b %Y}: 6"
    assert [r["class"] for r in svg["rects"]] == ["chart-bar", "chart-bar"]  # two weeks with enrollments
    one, six = (float(r["height"]) for r in svg["rects"])
    assert six == pytest.approx(6 * one, abs=0.5)  # drawn to a tenth of a pixel
    assert "New enrollments per week over the last 26 weeks: 7 in all." in html


def test_revenue_charts_per_currency_by_month_of_sale(client, instructor, figures, a_minute_later):
    course, now = figures.course, timezone.now()
    two_months_ago = now.replace(day=1) - timedelta(days=40)
    sold = Purchase.objects.filter(course=course, completed_at__isnull=False)
    sold.filter(amount=100, dispute_status="").update(completed_at=two_months_ago)
    sold.filter(amount=45).update(completed_at=two_months_ago)
    paid(course, "70.00", at=now - timedelta(days=400))  # a year and more ago: in the totals only
    client.force_login(instructor)

    response = client.get(reverse("teaching:analytics", args=[course.slug]))

    months = [f"{m:%Y-%m}" for m in months_back(now=now, count=12).starts]
    header = ["month", "currency", "gross", "refunded", "net"]
    usd = [[m, "usd", "0.00", "0.00", "0.00"] for m in months]
    # This month: 80 + 49.99 + 120 + 100 (won) + 60 = 409.99 gross; 30 + 49.99 + 120 + 60 = 259.99 back.
    usd[-1] = [months[-1], "usd", "409.99", "259.99", "150.00"]
    usd[-3] = [months[-3], "usd", "100.00", "0.00", "100.00"]
    eur = [[m, "eur", "0.00", "0.00", "0.00"] for m in months]
    eur[-1] = [months[-1], "eur", "90.00", "10.50", "79.50"]
    eur[-3] = [months[-3], "eur", "45.00", "0.00", "45.00"]
    charts = charts_of(response.content.decode())
    assert charts.tables["revenue-usd"] == [header, *usd]
    assert charts.tables["revenue-eur"] == [header, *eur]
    assert csv_rows(client, course, "revenue") == [header, *usd, *eur]
    # Net at the bottom, what was refunded since on top: the column is as tall as the gross.
    net, refunded = charts.svgs["revenue-usd"]["rects"][-2:]
    assert (net["class"], refunded["class"]) == ("chart-net", "chart-refunded")
    assert float(refunded["height"]) == pytest.approx(float(net["height"]) * 259.99 / 150, abs=0.5)
    assert response.context["page"].sales.main.gross == Decimal("579.99")  # 509.99 + 70.00 sold last year
    assert "net of what has been refunded of them since" in response.content.decode()

    # The drawing is kept by what it shows: a new sale counted is a new drawing at once.
    paid(course, "25.00")
    cache.delete(course_counts_key(course=course, now=timezone.now()))  # a minute later
    a_minute_later()
    usd[-1] = [months[-1], "usd", "434.99", "259.99", "175.00"]
    again = charts_of(client.get(reverse("teaching:analytics", args=[course.slug])).content.decode())
    assert again.tables["revenue-usd"] == [header, *usd]
    assert again.tables["revenue-eur"] == [header, *eur]


def test_funnel_chart_table_and_csv(client, instructor, figures):
    client.force_login(instructor)
    html = client.get(reverse("teaching:analytics", args=[figures.course.slug])).content.decode()

    expected = [
        ["position", "module", "lesson", "completed", "percent_of_active"],
        ["1", "Basics", "Reading plans", "4", "66.7"],
        ["2", "Basics", "Check your plans", "2", "33.3"],
        ["3", "Going further", "Indexes", "3", "50.0"],
        ["4", "Going further", "Vacuum", "2", "33.3"],
    ]
    charts = charts_of(html)
    assert charts.tables["funnel"] == expected
    assert csv_rows(client, figures.course, "funnel") == expected
    assert charts.svgs["funnel"]["titles"] == [
        "1. Reading plans: 4 of 6",
        "2. Check your plans: 2 of 6",
        "3. Indexes: 3 of 6",
        "4. Vacuum: 2 of 6",
    ]
    assert reverse("teaching:chart_csv", args=[figures.course.slug, "funnel"]) in html


def test_csv_cells_never_start_a_formula(client, instructor, figures):
    lesson = figures.lessons[0]
    lesson.title = '=HYPERLINK("http://evil.example")'
    lesson.save()
    client.force_login(instructor)
    rows = csv_rows(client, figures.course, "funnel")
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example")'


# --- queries ----------------------------------------------------------------------------------

# session, user, the course with its instructor and rating, student figures,
# the curriculum (version, modules, lessons: a cold cache), lesson completions,
# enrollments per week, sales per currency, revenue per month, quiz figures,
# hardest questions (a cold cache), their prompts, the header's unread badge.
ANALYTICS_QUERIES = 15
# Seen again: the curriculum's modules and lessons, the student figures, the
# enrollments per week, the sales and revenue per month, the lesson completions
# and the quiz figures with their hardest questions (counted less than a minute
# ago) come from the cache; the prompts are read fresh.
ANALYTICS_QUERIES_CACHED = 6


@pytest.mark.parametrize("students", [3, 300])
def test_analytics_query_count_is_constant(
    client, django_assert_num_queries, django_assert_max_num_queries, instructor, taught, students
):
    students_in_bulk(
        taught.course, students, quiz=taught.quiz, questions=taught.questions, lessons=taught.lessons
    )
    paid(taught.course, "30.00", "eur", refunded="5.00")
    client.force_login(instructor)
    url = reverse("teaching:analytics", args=[taught.course.slug])

    with django_assert_num_queries(ANALYTICS_QUERIES):
        response = client.get(url)
    own_pages_renewed(instructor)  # drawn again within the minute: the figures as counted then
    with django_assert_num_queries(ANALYTICS_QUERIES_CACHED):
        again = client.get(url)
    with django_assert_max_num_queries(1):  # then kept whole for its viewer: the session at most
        assert without_tokens(client.get(url).content) == without_tokens(again.content)

    page = response.context["page"]
    assert page.students.active == students
    assert page.quizzes[0].attempts == students
    assert sum(step.completed for step in page.funnel) == students
    assert page.sales.checkouts.paid == students + 1
    assert again.context["page"].quizzes == page.quizzes


def test_hardest_questions_follow_every_new_attempt(client, instructor, figures, a_minute_later):
    client.force_login(instructor)
    url = reverse("teaching:analytics", args=[figures.course.slug])
    assert [h.right for h in client.get(url).context["page"].quizzes[0].hardest] == [1, 2, 3]
    # s5 gets q3 right twice: q2 is 2 right of 6 (33.3 %), q1 3 of 6 (50 %) and q3 3 of 6
    # (50 %, after q1 on the tie).
    q1, q2, q3, _ = figures.questions
    attempt(
        figures.students[5], figures.quiz, 1, figures.questions, [False, False, True, False], passed=False
    )
    attempt(
        figures.students[5], figures.quiz, 2, figures.questions, [False, False, True, False], passed=False
    )
    # A minute later the counts are made again (the hardest questions, cached for a
    # day under the attempts they counted, are counted again as there are new ones).
    cache.delete(quiz_counts_key(course_id=figures.course.pk, quiz_lesson_ids=[figures.quiz.lesson_id]))
    a_minute_later()
    hardest = client.get(url).context["page"].quizzes[0].hardest
    assert [(h.question_id, h.right, h.answered) for h in hardest] == [
        (q2.pk, 2, 6),
        (q1.pk, 3, 6),
        (q3.pk, 3, 6),
    ]
    # An edited prompt shows at once (prompts are read fresh, not cached).
    q2.prompt = "What is a common table expression?"
    q2.save()
    response = client.get(url)
    assert response.context["page"].quizzes[0].hardest[0].prompt == "What is a common table expression?"
    assert "What is a common table expression?" in response.content.decode()  # the table is drawn anew


@pytest.mark.parametrize("students", [3, 300])
def test_analytics_csv_query_count_is_constant(
    client, django_assert_num_queries, instructor, taught, students
):
    students_in_bulk(taught.course, students)
    client.force_login(instructor)
    # session, user, the course, student figures, sales per currency
    with django_assert_num_queries(5):
        response = client.get(reverse("teaching:analytics_csv", args=[taught.course.slug]))
    assert f"students_active,{students}" in response.content.decode()


def test_superuser_sees_any_course(client, superuser, figures):
    client.force_login(superuser)
    response = client.get(reverse("teaching:analytics", args=[figures.course.slug]))
    assert response.context["page"].students.active == 6
    assert "taught by Ada Lovelace" in response.content.decode()


def test_student_of_another_course_is_not_let_in(client, figures):
    client.force_login(UserFactory())
    assert client.get(reverse("teaching:analytics_csv", args=[figures.course.slug])).status_code == 404


def test_the_funnel_is_counted_at_most_a_minute_ago_and_says_when(client, instructor, taught):
    students_in_bulk(taught.course, 3, quiz=taught.quiz, questions=taught.questions, lessons=taught.lessons)
    client.force_login(instructor)
    url = reverse("teaching:analytics", args=[taught.course.slug])
    first = client.get(url).context["page"]
    students_in_bulk(taught.course, 2, quiz=taught.quiz, questions=taught.questions, lessons=taught.lessons)

    kept = client.get(url)  # kept whole for the instructor
    assert kept.context is None and f'datetime="{first.funnel_as_of.isoformat()}"' in kept.content.decode()
    own_pages_renewed(instructor)  # drawn again within the minute: the funnel as counted then
    cached = client.get(url)
    assert sum(step.completed for step in cached.context["page"].funnel) == 3  # as counted then
    assert cached.context["page"].funnel_as_of == first.funnel_as_of
    assert f'datetime="{first.funnel_as_of.isoformat()}"' in cached.content.decode()
    cache.clear()  # a minute later
    assert sum(step.completed for step in client.get(url).context["page"].funnel) == 5


def test_quiz_figures_are_counted_at_most_a_minute_ago_and_say_when(
    client, instructor, figures, a_minute_later
):
    client.force_login(instructor)
    url = reverse("teaching:analytics", args=[figures.course.slug])
    first = client.get(url).context["page"]
    assert first.quizzes[0].attempts == 4
    attempt(figures.students[5], figures.quiz, 1, figures.questions, [True] * 4, passed=True)

    own_pages_renewed(instructor)  # drawn again within the minute: the quizzes as counted then
    cached = client.get(url)
    page = cached.context["page"]
    assert (page.quizzes[0].attempts, page.quizzes[0].students) == (4, 3)  # as counted then
    assert page.quizzes_as_of == first.quizzes_as_of
    html = cached.content.decode()
    as_of = timezone.localtime(first.quizzes_as_of)
    assert f'Counted at <time datetime="{as_of.isoformat()}">{as_of:%H:%M}</time>' in html

    cache.delete(quiz_counts_key(course_id=figures.course.pk, quiz_lesson_ids=[figures.quiz.lesson_id]))
    a_minute_later()
    recounted = client.get(url).context["page"]
    assert (recounted.quizzes[0].attempts, recounted.quizzes[0].students) == (5, 4)
    assert recounted.quizzes_as_of > first.quizzes_as_of


def test_a_quiz_added_to_the_curriculum_is_counted_at_once(client, instructor, figures):
    client.force_login(instructor)
    url = reverse("teaching:analytics", args=[figures.course.slug])
    assert [q.title for q in client.get(url).context["page"].quizzes] == ["Check your plans"]
    second = QuizFactory(
        lesson__module=figures.lessons[2].module, lesson__order=5, lesson__title="Second quiz"
    )
    questions = [question_with_choices(second, prompt="Only question", order=0)[0]]
    attempt(figures.students[1], second, 1, questions, [False], passed=False)

    quizzes = client.get(url).context["page"].quizzes
    assert [(q.title, q.attempts) for q in quizzes] == [("Check your plans", 4), ("Second quiz", 1)]


def test_the_funnel_drawing_follows_titles_at_once_and_students_after_the_minute(client, instructor, figures):
    client.force_login(instructor)
    url = reverse("teaching:analytics", args=[figures.course.slug])
    titles = charts_of(client.get(url).content.decode()).svgs["funnel"]["titles"]
    assert titles[0] == "1. Reading plans: 4 of 6"

    lesson = figures.lessons[0]
    lesson.title = "Reading query plans"
    lesson_save(lesson=lesson)
    EnrollmentFactory(course=figures.course)  # a seventh active student, who completed nothing

    charts = charts_of(client.get(url).content.decode())
    assert charts.svgs["funnel"]["titles"][0] == "1. Reading query plans: 4 of 6"
    cache.clear()  # a minute later
    charts = charts_of(client.get(url).content.decode())
    assert charts.svgs["funnel"]["titles"][0] == "1. Reading query plans: 4 of 7"
    assert charts.tables["funnel"][1] == ["1", "Basics", "Reading query plans", "4", "57.1"]


def test_the_students_and_money_are_counted_at_most_a_minute_ago_and_say_when(client, instructor, figures):
    client.force_login(instructor)
    url = reverse("teaching:analytics", args=[figures.course.slug])
    first = client.get(url).context["page"]
    assert (first.students.active, sum(week.enrollments for week in first.weeks)) == (6, 8)
    assert first.sales.checkouts.paid == 8
    EnrollmentFactory(course=figures.course)
    paid(figures.course, "10.00")

    cached = client.get(url)
    page = cached.context["page"]
    assert (page.students.active, sum(week.enrollments for week in page.weeks)) == (6, 8)  # as counted then
    assert page.sales.checkouts.paid == 8
    assert page.counted_at == first.counted_at
    as_of = timezone.localtime(first.counted_at)
    html = cached.content.decode()
    assert f'Counted at <time datetime="{as_of.isoformat()}">{as_of:%H:%M}</time>' in html
    assert 'data-testid="revenue-as-of">Counted at' in html

    cache.clear()  # a minute later
    recounted = client.get(url).context["page"]
    assert (recounted.students.active, sum(week.enrollments for week in recounted.weeks)) == (7, 9)
    assert recounted.sales.checkouts.paid == 9
    assert recounted.counted_at > first.counted_at


def test_average_progress_believes_stored_percentages_only_of_the_current_curriculum(
    client, instructor, figures
):
    course = figures.course
    Course.objects.filter(pk=course.pk).update(curriculum_revision=F("curriculum_revision") + 1)
    course.refresh_from_db()
    enrollments = Enrollment.objects.filter(course=course)
    enrollments.update(progress_revision=course.curriculum_revision)
    # s5's stored 10 % is of this curriculum: believed. s4's stored 33 % is of an older
    # one: the rule counts 1 completed lesson of 4 (the quiz lesson is not completed).
    enrollments.filter(user=figures.students[5]).update(progress_percent=10)
    enrollments.filter(user=figures.students[4]).update(progress_revision=course.curriculum_revision - 1)
    client.force_login(instructor)

    page = client.get(reverse("teaching:analytics", args=[course.slug])).context["page"]

    # (100 + 100 + 50 + 25 + 10 + 0) / 6 = 47.5
    assert page.students.average_progress == Decimal("47.5")
    assert page.students.progress_total == 285
