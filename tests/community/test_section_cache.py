"""The course page's community sections keep their shared part — the rating
summary, the newest reviews with their answers, the newest announcements — in
the shared cache (community/fragments.py): every write shows at once, and
nothing of one viewer reaches another's page."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.announcements.services import announcement_publish
from community.services import review_answer, review_hide, review_save
from tests.community.conftest import student_at
from tests.own_pages import own_pages_renewed

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def seen(client, course) -> str:
    response = client.get(course.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def reader(course):
    """An enrolled student who has seen the course page: its shared part is cached."""
    client = client_of(student_at(course, 20, first_name="Rhea", last_name="Reader").user)
    html = seen(client, course)
    assert "No reviews yet." in html and "No announcements yet." in html
    return client


def test_a_new_review_shows_at_once(course, reader):
    author = student_at(course, 20, first_name="Nora", last_name="Newton").user
    review_save(user=author, course=course, rating=4, body="Worth **every** minute.")

    html = seen(reader, course)
    assert "Nora N." in html and "<strong>every</strong>" in html
    assert "No reviews yet." not in html and "1 rating" in html


def test_an_edited_review_shows_at_once(course, reader):
    author = student_at(course, 20).user
    review_save(user=author, course=course, rating=4, body="First thoughts.")
    assert "First thoughts." in seen(reader, course)

    # The same stars: the course's figures do not move, only the review.
    review_save(user=author, course=course, rating=4, body="Second thoughts.")

    html = seen(reader, course)
    assert "Second thoughts." in html and "First thoughts." not in html
    assert '<span class="review-edited">edited</span>' in html


def test_a_hidden_review_leaves_at_once(course, reader, superuser):
    saved = review_save(user=student_at(course, 20).user, course=course, rating=1, body="Off-topic rant.")
    assert "Off-topic rant." in seen(reader, course)

    review_hide(review=saved.review, by=superuser, reason="Not about the course.")

    html = seen(reader, course)
    assert "Off-topic rant." not in html and "No reviews yet." in html


def test_an_answer_shows_at_once(course, reader):
    saved = review_save(user=student_at(course, 20).user, course=course, rating=3, body="Too fast.")
    assert "The instructor answered" not in seen(reader, course)

    review_answer(review=saved.review, body="Module 2 now has _exercises_.")

    html = seen(reader, course)
    assert "The instructor answered" in html and "<em>exercises</em>" in html


def test_a_reviewer_who_changes_their_name_shows_under_it_at_once(course, reader):
    author = student_at(course, 20, first_name="Olga", last_name="Older").user
    review_save(user=author, course=course, rating=5, body="Great.")
    assert "Olga O." in seen(reader, course)

    author.first_name = "Petra"
    author.save()

    html = seen(reader, course)
    assert "Petra O." in html and "Olga O." not in html


def test_a_new_announcement_shows_at_once(course, reader, instructor):
    announcement_publish(
        course=course, author=instructor, title="Live session on Friday", body="Bring **questions**."
    )

    html = seen(reader, course)
    assert "Live session on Friday" in html and "<strong>questions</strong>" in html
    assert "No announcements yet." not in html


def test_nothing_of_one_viewer_reaches_the_shared_part_or_another_viewers_page(course, instructor):
    alice = student_at(course, 20, first_name="Alice", last_name="Apple").user
    review_save(user=alice, course=course, rating=5, body="Alice liked it.")
    bob = student_at(course, 20, first_name="Bob", last_name="Brown").user
    announcement_publish(course=course, author=instructor, title="Welcome", body="Hello.")

    # The instructor's request renders the shared part, beside their answer forms.
    teaching = client_of(instructor).get(course.get_absolute_url())
    teacher_html = teaching.content.decode()
    assert "Answer this review" in teacher_html and "Write an announcement" in teacher_html
    shared = teaching.context["shared"]
    for part in [
        shared.summary,
        *(item.html for item in shared.items),
        teaching.context["announcements_html"],
    ]:
        assert "csrfmiddlewaretoken" not in part and "<form" not in part and "Answer this review" not in part

    alice_html = seen(client_of(alice), course)
    assert "Update your review" in alice_html and "Delete your review" in alice_html
    assert "Answer this review" not in alice_html

    with CaptureQueriesContext(connection) as queries:
        bob_html = seen(client_of(bob), course)
    # Served from the cache the instructor's request filled: no announcement read.
    assert not any("community_announcement" in query["sql"] for query in queries.captured_queries)
    assert "Alice liked it." in bob_html and "Welcome" in bob_html
    assert "Publish your review" in bob_html
    assert "Update your review" not in bob_html and "Delete your review" not in bob_html
    assert "Answer this review" not in bob_html and "Write an announcement" not in bob_html
    bob_tokens = set(TOKEN.findall(bob_html))
    assert bob_tokens and not bob_tokens & (set(TOKEN.findall(teacher_html)) | set(TOKEN.findall(alice_html)))


def test_the_instructor_answers_each_listed_review_from_the_course_page(course, instructor):
    answered = review_save(user=student_at(course, 20).user, course=course, rating=4, body="Good.").review
    review_answer(review=answered, body="Thank you!")
    waiting = review_save(user=student_at(course, 20).user, course=course, rating=2, body="Hard.").review
    seen(client_of(student_at(course, 20).user), course)  # a student's view fills the cache

    html = seen(client_of(instructor), course)

    articles = {
        int(pk): body
        for pk, body in re.findall(r'<article class="review" id="review-(\d+)"(.*?)</article>', html, re.S)
    }
    assert set(articles) == {answered.pk, waiting.pk}
    for review, button in ((answered, "Save answer"), (waiting, "Publish answer")):
        action = reverse("community:review_reply", args=[course.slug, review.pk])
        assert f'action="{action}"' in articles[review.pk] and button in articles[review.pk]
    assert ">Thank you!</textarea>" in articles[answered.pk]


def test_the_course_page_reads_the_shared_part_from_the_cache(
    client, course, instructor, django_assert_num_queries
):
    for stars in [1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 5, 4]:
        review_save(user=student_at(course, 20).user, course=course, rating=stars, body=f"{stars} stars.")
    announcement_publish(course=course, author=instructor, title="Office hours", body="Tuesdays.")
    first, second = student_at(course, 20).user, student_at(course, 20).user
    client.force_login(first)
    client.get(course.get_absolute_url())  # the curriculum and the shared part are cached
    client.force_login(second)
    own_pages_renewed(second)

    # Session, user, course with its figures, enrollment with the completed lessons,
    # curriculum version, the student's own review, the unread badge: the newest
    # reviews and announcements cost no query.
    with django_assert_num_queries(7):
        html = seen(client, course)
    assert "All 12 reviews" in html and "Office hours" in html
    assert html.count('<article class="review"') == 10
