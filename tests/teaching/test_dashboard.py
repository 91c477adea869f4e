"""The teaching dashboard (/teach/): who sees it, its rows and links, what
waits for the instructor, the superuser's filter, where logging in lands,
and its query count."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from community.discussions.services import answer_accept, post_hide, question_post, reply_post
from community.models import Review
from learning.models import Submission
from learning.services.assignments import submission_review
from tests.factories import PASSWORD, CourseFactory, EnrollmentFactory, LessonFactory, UserFactory
from tests.learning.factories import SubmissionFactory
from tests.own_pages import own_pages_renewed, without_tokens
from tests.teaching.conftest import paid, students_in_bulk

pytestmark = pytest.mark.django_db

DASHBOARD = "/teach/"


def test_the_url():
    assert reverse("teaching:dashboard") == DASHBOARD


@pytest.mark.parametrize("who", ["anonymous", "student", "other_instructor", "instructor", "superuser"])
def test_access(client, request, figures, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(DASHBOARD)
    if who == "anonymous":
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={DASHBOARD}"
        return
    if who == "student":
        assert response.status_code == 404
        assert "We couldn’t find that page" in response.content.decode()
        return
    assert response.status_code == 200
    slugs = [row.course.slug for row in response.context["board"].rows]
    if who == "other_instructor":
        assert slugs == []  # their own courses only: they have none
        assert "Postgres at Scale" not in response.content.decode()
    else:
        assert figures.course.slug in slugs


def test_post_is_refused(client, instructor):
    client.force_login(instructor)
    assert client.post(DASHBOARD).status_code == 405


def test_header_links_the_dashboard_for_those_who_teach(client, instructor, student):
    link = f'<a href="{DASHBOARD}">Teaching</a>'
    client.force_login(student)
    assert link not in client.get(reverse("learning:dashboard")).content.decode()
    client.force_login(instructor)
    assert link in client.get(reverse("learning:dashboard")).content.decode()


def test_a_row_per_course_with_its_figures_and_link(client, instructor, other_instructor, figures):
    course = figures.course
    # A sale of last year: in the all-time figures, not in this month's.
    paid(course, "200.00", at=timezone.now() - timedelta(days=400))
    draft = CourseFactory(instructor=instructor, title="A draft", status="draft")
    CourseFactory(instructor=other_instructor, title="Not mine")
    client.force_login(instructor)

    response = client.get(DASHBOARD)

    rows = {row.course.title: row for row in response.context["board"].rows}
    assert len(rows) == 3  # with the other course of `figures`, ordered by title
    assert {"Postgres at Scale", "A draft"} <= set(rows) and "Not mine" not in rows
    row = rows["Postgres at Scale"]
    assert (row.students.active, row.students.completed, row.students.new) == (6, 2, 8)
    assert row.completion_rate == Decimal("33.3")  # 2 of 6
    assert (row.rating_average, row.rating_count) == (Decimal("4.33"), 3)
    usd, eur = row.revenue
    assert (usd.currency, usd.this_month.net, usd.all_time.net) == (
        "usd",
        Decimal("250.00"),
        Decimal("450.00"),
    )
    assert (eur.currency, eur.this_month.net, eur.all_time.net) == (
        "eur",
        Decimal("124.50"),
        Decimal("124.50"),
    )
    assert rows["A draft"].revenue == []
    html = response.content.decode()
    assert f'<a href="{reverse("teaching:analytics", args=[course.slug])}">Postgres at Scale</a>' in html
    assert f'<a href="{reverse("teaching:analytics", args=[draft.slug])}">A draft</a>' in html
    assert '<span class="status-mark status-draft">Draft</span>' in html
    assert f'<a href="{reverse("teaching:students", args=[course.slug])}"' in html
    assert " style=" not in html and "<script" not in html
    for shown in ["33.3%", "$250.00", "$450.00", "€124.50", "4.3"]:
        assert shown in html
    assert "Not mine" not in html


def test_new_enrollments_are_those_of_the_last_seven_days(client, instructor, taught):
    old = EnrollmentFactory(course=taught.course)
    EnrollmentFactory(course=taught.course)
    type(old).objects.filter(pk=old.pk).update(enrolled_at=timezone.now() - timedelta(days=8))
    client.force_login(instructor)
    (row,) = client.get(DASHBOARD).context["board"].rows
    assert (row.students.active, row.students.new) == (2, 1)


def _ask(author, lesson, title):
    return question_post(author=author, lesson=lesson, title=title, body="Body", token=uuid.uuid4()).post


def test_what_waits_links_to_where_the_instructor_acts(client, instructor, other_instructor, figures):
    course, students = figures.course, figures.students
    assignment = LessonFactory(module=figures.lessons[0].module, kind="assignment", title="Write a plan")
    waiting = [
        SubmissionFactory(
            user=students[n], lesson=assignment, submitted_at=timezone.now() - timedelta(hours=n)
        )
        for n in (1, 2, 3)
    ]
    SubmissionFactory(user=students[4], lesson=assignment, status=Submission.Status.PASSED)
    elsewhere = LessonFactory(module__course=CourseFactory(instructor=other_instructor), kind="assignment")
    SubmissionFactory(lesson=elsewhere)

    lesson = figures.lessons[0]
    open_question = _ask(students[1], lesson, "Why is my plan slow?")
    answered = _ask(students[2], lesson, "Answered already")
    reply = reply_post(author=instructor, question=answered, body="Like this.", token=uuid.uuid4()).post
    answer_accept(question=answered, reply_id=reply.pk, by=students[2])
    hidden = _ask(students[3], lesson, "Spam")
    post_hide(post=hidden, by=instructor, reason="Off topic")
    client.force_login(instructor)

    response = client.get(DASHBOARD)

    board = response.context["board"]
    assert board.submissions.total == 3
    assert board.submissions.items == waiting[::-1]  # the longest waiting first
    assert board.questions.total == 1
    assert board.questions.items == [open_question]
    assert board.reviews.total == 3  # s6's review does not count: s6 is revoked
    assert [r.rating for r in board.reviews.items] == [4, 4, 5]  # newest first
    html = response.content.decode()
    assert reverse("admin:learning_submission_change", args=[waiting[0].pk]) in html
    assert open_question.get_absolute_url() in html and "Answered already" not in html and "Spam" not in html
    newest = Review.objects.get(course=course, user=figures.students[3])  # s6's, newer, does not count
    assert f"{reverse('community:reviews', args=[course.slug])}#review-{newest.pk}" in html
    assert 'data-testid="submissions-total">3<' in html
    assert 'data-testid="questions-total">1<' in html
    assert 'data-testid="reviews-total">3<' in html


def test_a_long_list_shows_a_few_and_links_to_all(client, instructor, taught):
    assignment = LessonFactory(module=taught.lessons[0].module, kind="assignment")
    for _ in range(7):
        SubmissionFactory(lesson=assignment)
    for _ in range(6):
        _ask(EnrollmentFactory(course=taught.course).user, taught.lessons[0], "Help")
    client.force_login(instructor)
    response = client.get(DASHBOARD)
    board = response.context["board"]
    assert (len(board.submissions.items), board.submissions.total) == (5, 7)
    assert (len(board.questions.items), board.questions.total) == (5, 6)
    html = response.content.decode()
    assert f"{reverse('admin:learning_submission_changelist')}?status__exact=submitted" in html
    assert "All 7 submissions awaiting review" in html
    assert f'<a href="{reverse("community:unanswered")}">All 6 unanswered questions</a>' in html


def test_superuser_sees_every_course_and_narrows_to_one_instructor(
    client, superuser, instructor, other_instructor, figures
):
    theirs = CourseFactory(instructor=other_instructor, title="Theirs")
    assignment = LessonFactory(module__course=theirs, kind="assignment")
    SubmissionFactory(lesson=assignment)
    UserFactory(email="nobody@example.com")  # teaches nothing: not in the list
    client.force_login(superuser)

    everything = client.get(DASHBOARD)
    titles = {row.course.title for row in everything.context["board"].rows}
    assert {"Postgres at Scale", "Theirs"} <= titles
    assert {u.pk for u in everything.context["board"].instructors} == {instructor.pk, other_instructor.pk}
    html = everything.content.decode()
    assert '<select id="teaching-instructor" name="instructor">' in html
    assert f'<option value="{other_instructor.pk}">' in html
    assert "nobody@example.com" not in html

    narrowed = client.get(DASHBOARD, {"instructor": other_instructor.pk})
    board = narrowed.context["board"]
    assert [row.course.title for row in board.rows] == ["Theirs"]
    assert board.submissions.total == 1
    assert board.reviews.total == 0
    assert f'<option value="{other_instructor.pk}" selected>' in narrowed.content.decode()

    for junk in ["", "abc", "-1", "99999999999999999999999"]:
        assert client.get(DASHBOARD, {"instructor": junk}).status_code == 200


def test_an_instructor_cannot_use_the_filter(client, instructor, other_instructor, figures):
    CourseFactory(instructor=other_instructor, title="Theirs")
    client.force_login(instructor)
    response = client.get(DASHBOARD, {"instructor": other_instructor.pk})
    titles = [row.course.title for row in response.context["board"].rows]
    assert "Postgres at Scale" in titles and "Theirs" not in titles
    assert response.context["board"].instructors is None
    assert 'name="instructor"' not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "lands"), [("instructor", DASHBOARD), ("superuser", DASHBOARD), ("student", "/dashboard/")]
)
def test_logging_in_lands_on_the_right_page(client, request, who, lands):
    user = request.getfixturevalue(who)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == lands
    assert client.get(response.url).status_code == 200


def test_logging_in_on_the_way_to_a_page_goes_back_to_it(client, instructor):
    response = client.post(
        reverse("account_login") + "?next=/courses/",
        {"login": instructor.email, "password": PASSWORD, "next": "/courses/"},
    )
    assert response.url == "/courses/"


# session, user, the courses, their students, their revenue, then for the
# submissions and the unanswered questions their first few and their total,
# the newest reviews (their total is the courses' rating counts), the unread badge.
DASHBOARD_QUERIES = 11
# Seen again within the minute: the students of the courses come from the cache.
DASHBOARD_QUERIES_COUNTED = 10


@pytest.mark.parametrize("students", [3, 300])
def test_dashboard_query_count_is_constant(
    client, django_assert_num_queries, django_assert_max_num_queries, instructor, taught, students
):
    students_in_bulk(taught.course, students, lessons=taught.lessons)
    second = CourseFactory(instructor=instructor)
    students_in_bulk(second, students)
    assignment = LessonFactory(module=taught.lessons[0].module, kind="assignment")
    for _ in range(3):
        SubmissionFactory(lesson=assignment)
    client.force_login(instructor)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)
    own_pages_renewed(instructor)  # drawn again within the minute: the students as counted then
    with django_assert_num_queries(DASHBOARD_QUERIES_COUNTED):
        again = client.get(DASHBOARD)
    with django_assert_max_num_queries(1):  # then kept whole for its viewer: the session at most
        assert without_tokens(client.get(DASHBOARD).content) == without_tokens(again.content)

    rows = response.context["board"].rows
    assert [row.students.active for row in rows] == [students, students]
    assert response.context["board"].submissions.total == 3
    assert [row.students for row in again.context["board"].rows] == [row.students for row in rows]


@pytest.mark.parametrize("students", [3, 300])
def test_superuser_dashboard_query_count_is_constant(
    client, django_assert_num_queries, superuser, taught, students
):
    students_in_bulk(taught.course, students)
    client.force_login(superuser)
    with django_assert_num_queries(DASHBOARD_QUERIES + 1):  # the instructors to choose from
        response = client.get(DASHBOARD)
    assert response.context["board"].rows[0].students.active == students
    # Drawn again within the minute: the students and the list of instructors are as drawn then.
    own_pages_renewed(superuser)
    with django_assert_num_queries(DASHBOARD_QUERIES_COUNTED):
        client.get(DASHBOARD)


def test_the_superuser_list_of_instructors_is_at_most_a_minute_old(client, superuser, instructor):
    client.force_login(superuser)
    assert f'<option value="{instructor.pk}">' in client.get(DASHBOARD).content.decode()
    newcomer = UserFactory(is_instructor=True)
    assert f'<option value="{newcomer.pk}">' not in client.get(DASHBOARD).content.decode()
    cache.clear()  # a minute later
    html = client.get(DASHBOARD, {"instructor": newcomer.pk}).content.decode()
    assert f'<option value="{newcomer.pk}" selected>' in html


def test_a_superuser_sees_every_course_a_page_of_fifty_at_a_time(
    client, django_assert_num_queries, superuser, taught
):
    from community.models import CourseRating
    from teaching.selectors.dashboard import COURSES_PER_PAGE

    others = [CourseFactory(title=f"Zz course {n:02}") for n in range(COURSES_PER_PAGE)]
    CourseRating.objects.update_or_create(course=others[-1], defaults={"count": 7})
    CourseRating.objects.update_or_create(course=taught.course, defaults={"count": 2})
    client.force_login(superuser)

    # One more query than a single page: the reviews total of every course, not the page's;
    # and one more as the rating counts say nine reviews count where none was written: the
    # newest reviews checked first hold none of them, so every review is looked through.
    with django_assert_num_queries(DASHBOARD_QUERIES + 1 + 1 + 1):
        first = client.get(DASHBOARD)
    board = first.context["board"]
    assert len(board.rows) == COURSES_PER_PAGE and board.page.has_next and not board.page.has_previous
    assert board.reviews.total == 9
    html = first.content.decode()
    assert 'rel="next"' in html and "page=2" in html and 'rel="prev"' not in html

    second = client.get(DASHBOARD, {"page": 2}).context["board"]
    listed = [row.course.pk for row in board.rows] + [row.course.pk for row in second.rows]
    assert sorted(listed) == sorted([taught.course.pk, *(course.pk for course in others)])
    assert second.page.has_previous and not second.page.has_next and second.reviews.total == 9

    beyond = client.get(DASHBOARD, {"page": 9})
    assert beyond.status_code == 302 and beyond.url == DASHBOARD
    assert client.get(DASHBOARD, {"page": "x"}).context["board"].page.number == 1


def test_the_pages_keep_the_instructor_chosen(client, superuser, instructor, taught):
    from teaching.selectors.dashboard import COURSES_PER_PAGE

    for n in range(COURSES_PER_PAGE):
        CourseFactory(instructor=instructor, title=f"Course {n:02}")
    CourseFactory(title="Someone else's")
    client.force_login(superuser)
    response = client.get(DASHBOARD, {"instructor": instructor.pk})
    assert f"instructor={instructor.pk}&amp;page=2" in response.content.decode()
    rest = client.get(DASHBOARD, {"instructor": instructor.pk, "page": 2}).context["board"]
    assert [row.course.instructor_id for row in rest.rows] == [instructor.pk]


def test_students_are_counted_at_most_a_minute_ago_and_the_page_says_when(client, instructor, taught):
    EnrollmentFactory(course=taught.course)
    client.force_login(instructor)
    first = client.get(DASHBOARD)
    (row,) = first.context["board"].rows
    assert (row.students.active, row.students.new) == (1, 1)
    EnrollmentFactory(course=taught.course)

    kept = client.get(DASHBOARD)  # kept whole for the instructor
    assert without_tokens(kept.content) == without_tokens(first.content)
    own_pages_renewed(instructor)  # drawn again within the minute: the students as counted then
    cached = client.get(DASHBOARD)
    board = cached.context["board"]
    assert (board.rows[0].students.active, board.rows[0].students.new) == (1, 1)  # as counted then
    assert board.students_as_of == first.context["board"].students_as_of
    as_of = timezone.localtime(board.students_as_of)
    html = cached.content.decode()
    assert f'Students counted at <time datetime="{as_of.isoformat()}">{as_of:%H:%M}</time>' in html

    cache.clear()  # a minute later
    board = client.get(DASHBOARD).context["board"]
    assert (board.rows[0].students.active, board.rows[0].students.new) == (2, 2)
    assert board.students_as_of > first.context["board"].students_as_of


def test_what_waits_for_the_instructor_follows_their_action_at_once(client, instructor, figures):
    students = figures.students
    question = _ask(students[1], figures.lessons[0], "Why is my plan slow?")
    assignment = LessonFactory(module=figures.lessons[0].module, kind="assignment")
    submission = SubmissionFactory(user=students[2], lesson=assignment)
    client.force_login(instructor)
    board = client.get(DASHBOARD).context["board"]
    assert (board.questions.items, board.submissions.items) == ([question], [submission])

    reply = reply_post(author=instructor, question=question, body="Read the plan.", token=uuid.uuid4()).post
    answer_accept(question=question, reply_id=reply.pk, by=students[1])
    submission_review(submission=submission, reviewer=instructor, status=Submission.Status.PASSED)

    response = client.get(DASHBOARD)
    board = response.context["board"]
    assert (board.questions.total, board.submissions.total) == (0, 0)
    assert "Why is my plan slow?" not in response.content.decode()
