"""Reviews: who may write one, one per student, edits, deletion, the
instructor's answer, the figures and what the course page shows."""

import pytest
from django.test import Client

from community.models import Review
from enrollments.services import enrollment_grant, enrollment_revoke
from notifications.models import Notification
from tests.community.conftest import reviews_url, student_at
from tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSED = 'data-testid="review-refusal"'


def post_review(client, course, rating=5, body="Clear and practical."):
    return client.post(reviews_url(course), {"rating": rating, "body": body})


# --- who may review ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed", "says"),
    [
        ("anonymous", False, None),
        ("not enrolled", False, "Enroll in this course and complete 20% of the course to review it."),
        ("under the threshold", False, "Complete 20% of the course to review it. You are at 10%."),
        ("at the threshold", True, None),
        ("revoked", False, "Your access to this course has ended, so you cannot review it."),
        ("the instructor", False, None),
        ("staff, not enrolled", False, "Enroll in this course and complete 20% of the course to review it."),
        ("staff, enrolled at the threshold", True, None),
    ],
)
def test_who_may_review(client, course, who, allowed, says):
    if who == "anonymous":
        user = None
    elif who == "not enrolled":
        user = UserFactory()
    elif who == "under the threshold":
        user = student_at(course, 10).user
    elif who == "at the threshold":
        user = student_at(course, 20).user
    elif who == "revoked":
        enrollment = student_at(course, 50)
        enrollment_revoke(enrollment=enrollment)
        user = enrollment.user
    elif who == "the instructor":
        user = course.instructor
    elif who == "staff, not enrolled":
        user = SuperuserFactory()
    else:
        user = student_at(course, 20, user=SuperuserFactory()).user
    if user is not None:
        client.force_login(user)

    if says:
        page = client.get(course.get_absolute_url()).content.decode()
        assert says in page
    response = post_review(client, course)

    assert Review.objects.filter(course=course).exists() is allowed
    if allowed:
        assert response.status_code == 302
    elif user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403
        if says:
            assert says in response.content.decode()


def test_a_threshold_of_zero_lets_any_active_student_review(client, course, settings):
    settings.REVIEW_MIN_PROGRESS = 0
    client.force_login(student_at(course, 0).user)
    assert post_review(client, course).status_code == 302
    assert Review.objects.filter(course=course).count() == 1


def test_the_course_page_says_why_a_student_may_not_review_yet(client, course):
    client.force_login(student_at(course, 10).user)
    html = client.get(course.get_absolute_url()).content.decode()
    assert REFUSED in html
    assert "Complete 20% of the course to review it." in html
    assert 'name="rating"' not in html


# --- one review per student, edits, deletion --------------------------------------


def test_a_second_submission_changes_the_one_review_and_shows_edited(client, course):
    student = student_at(course, 30).user
    client.force_login(student)
    post_review(client, course, rating=3, body="Good.")
    post_review(client, course, rating=3, body="Good.")  # the same again: not an edit
    review = Review.objects.get(course=course)
    assert review.edited_at is None

    post_review(client, course, rating=4, body="Better than I thought.")

    review = Review.objects.get(course=course)
    assert (review.rating, review.body) == (4, "Better than I thought.")
    assert review.edited_at is not None
    html = client.get(course.get_absolute_url()).content.decode()
    assert 'class="review-edited">edited</span>' in html
    assert "Better than I thought." in html


def test_a_rating_alone_is_a_review(client, course):
    client.force_login(student_at(course, 20).user)
    assert post_review(client, course, rating=2, body="").status_code == 302
    assert Review.objects.get(course=course).body == ""


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"rating": "6", "body": "x"}, "Select a valid choice"),
        ({"rating": "", "body": "x"}, "This field is required"),
        ({"rating": "five", "body": "x"}, "Select a valid choice"),
        ({"rating": "5", "body": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(client, course, data, error):
    client.force_login(student_at(course, 20).user)
    response = client.post(reviews_url(course), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Review.objects.exists()


def test_a_student_deletes_their_review_and_the_figures_follow(client, course):
    client.force_login(student_at(course, 20).user)
    post_review(client, course, rating=1)
    assert course.rating.count == 1

    response = client.post(reviews_url(course, "delete/"))

    assert response.status_code == 302
    assert not Review.objects.exists()
    course.rating.refresh_from_db()
    assert (course.rating.count, course.rating.average) == (0, None)


def test_reviewing_needs_post_and_csrf(course):
    student = student_at(course, 20).user
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert client.post(reviews_url(course), {"rating": 5}).status_code == 403
    assert client.post(reviews_url(course, "delete/")).status_code == 403
    assert not Review.objects.exists()


# --- revoked authors ------------------------------------------------------------------


def test_a_revoked_authors_review_leaves_the_page_and_the_figures_and_comes_back(client, course):
    kept = student_at(course, 20, first_name="Kim", last_name="Lee")
    revoked = student_at(course, 20, first_name="Ola", last_name="Berg")
    for enrollment, rating, body in [(kept, 5, "Kept review"), (revoked, 1, "Revoked review")]:
        client.force_login(enrollment.user)
        post_review(client, course, rating=rating, body=body)
    course.rating.refresh_from_db()
    assert (course.rating.count, str(course.rating.average)) == (2, "3.00")

    enrollment_revoke(enrollment=revoked)
    course.rating.refresh_from_db()
    assert (course.rating.count, str(course.rating.average)) == (1, "5.00")
    html = Client().get(course.get_absolute_url()).content.decode()
    assert "Kept review" in html and "Revoked review" not in html

    enrollment_grant(user=revoked.user, course=course)  # bought again
    course.rating.refresh_from_db()
    assert (course.rating.count, str(course.rating.average)) == (2, "3.00")
    assert "Revoked review" in Client().get(course.get_absolute_url()).content.decode()


# --- the instructor's answer -------------------------------------------------------------


def test_the_instructor_answers_once_edits_it_and_the_student_is_told_once(client, course):
    student = student_at(course, 20)
    client.force_login(student.user)
    post_review(client, course, rating=4, body="Good pace.")
    review = Review.objects.get()
    client.force_login(course.instructor)
    url = reviews_url(course, f"{review.pk}/reply/")

    assert client.post(url, {"body": "Thank you!"}).status_code == 302
    assert client.post(url, {"body": "Thank you, Kim!"}).status_code == 302

    review.refresh_from_db()
    assert review.reply == "Thank you, Kim!" and review.reply_edited_at is not None
    told = Notification.objects.filter(user=student.user, kind=Notification.Kind.REVIEW_REPLY)
    assert told.count() == 1
    assert told.get().url.endswith(f"/reviews/#review-{review.pk}")
    html = Client().get(course.get_absolute_url()).content.decode()
    assert "The instructor answered" in html and "Thank you, Kim!" in html


def test_only_the_courses_instructor_may_answer(client, course, other_instructor):
    client.force_login(student_at(course, 20).user)
    post_review(client, course)
    review = Review.objects.get()
    url = reviews_url(course, f"{review.pk}/reply/")
    for user in (other_instructor, review.user, UserFactory()):
        client.force_login(user)
        assert client.post(url, {"body": "Fake answer"}).status_code == 404
    assert Review.objects.get().reply == ""


def test_an_empty_answer_is_a_form_error(client, course):
    client.force_login(student_at(course, 20).user)
    post_review(client, course)
    review = Review.objects.get()
    client.force_login(course.instructor)
    response = client.post(reviews_url(course, f"{review.pk}/reply/"), {"body": "  "})
    assert response.status_code == 400
    assert "Write an answer first." in response.content.decode()


# --- sanitised text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert('review')</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        '<a href="/" class="button" style="position:fixed">Buy now</a>',
        '"><svg onload=alert(1)>',
    ],
)
def test_review_text_and_answers_cannot_run_script_or_pose_as_the_site(client, course, payload):
    client.force_login(student_at(course, 20).user)
    post_review(client, course, body=f"Nice. {payload}")
    review = Review.objects.get()
    client.force_login(course.instructor)
    client.post(reviews_url(course, f"{review.pk}/reply/"), {"body": f"Thanks {payload}"})

    for html in (
        Client().get(course.get_absolute_url()).content.decode(),
        Client().get(reviews_url(course)).content.decode(),
    ):
        assert "Nice." in html
        assert "<script>alert" not in html
        assert "onerror" not in html and "onload" not in html
        assert "javascript:" not in html
        assert "<svg" not in html
        assert 'style="position:fixed"' not in html
        assert 'class="button" style' not in html
