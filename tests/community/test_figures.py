"""A course's rating figures: the maths, kept equal to a fresh aggregate
through every kind of write, shown on the course page, the reviews page and
the catalogue card, and read in a constant number of queries."""

from decimal import Decimal

import pytest
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from community.models import CourseRating, Review
from community.selectors import reviews_counted
from community.services import review_delete, review_hide, review_save, review_show
from enrollments.services import enrollment_grant, enrollment_revoke
from notifications.models import Notification
from tests.community.conftest import reviews_url, student_at
from tests.factories import CourseFactory, course_with_curriculum
from tests.own_pages import own_pages_renewed

pytestmark = pytest.mark.django_db


def review(course, rating, body="", percent=20):
    enrollment = student_at(course, percent)
    review_save(user=enrollment.user, course=course, rating=rating, body=body)
    return enrollment


def fresh_figures(course) -> dict:
    counted = reviews_counted(course_id=course.pk)
    per_star = dict(counted.values_list("rating").annotate(n=Count("pk")).values_list("rating", "n"))
    ratings = list(counted.values_list("rating", flat=True))
    return {
        "count": len(ratings),
        "average": (Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.01")) if ratings else None,
        **{f"stars_{n}": per_star.get(n, 0) for n in range(1, 6)},
    }


def stored_figures(course) -> dict:
    rating = CourseRating.objects.get(course=course)
    return {
        name: getattr(rating, name) for name in ["count", "average", *[f"stars_{n}" for n in range(1, 6)]]
    }


def test_average_and_distribution_of_a_hand_built_set(course, superuser):
    for rating in (5, 5, 4, 3, 1):
        review(course, rating)
    hidden = review(course, 1)  # a moderator hides it
    revoked = review(course, 2)  # refunded afterwards
    review_hide(review=Review.objects.get(user=hidden.user), by=superuser, reason="Spam")
    enrollment_revoke(enrollment=revoked)

    rating = CourseRating.objects.get(course=course)
    # 5 + 5 + 4 + 3 + 1 = 18 over 5 ratings: 3.6; the hidden 1 and the revoked 2 do not count.
    assert rating.count == 5
    assert rating.average == Decimal("3.60")
    assert rating.distribution == [(5, 2, 40), (4, 1, 20), (3, 1, 20), (2, 0, 0), (1, 1, 20)]

    html = Client().get(course.get_absolute_url()).content.decode()
    assert '<span class="rating-number">3.6</span>' in html
    assert "5 ratings" in html
    assert '<th scope="row">5 stars</th>' in html and '<td class="rating-percent">40%</td>' in html
    assert '<caption class="visually-hidden">How students rated this course</caption>' in html


def test_stored_figures_equal_a_fresh_aggregate_after_every_kind_of_write(course, superuser):
    students = [review(course, rating) for rating in (5, 4, 4, 2)]
    review_save(user=students[0].user, course=course, rating=1, body="Changed my mind")  # edit
    review_delete(user=students[1].user, course=course)  # delete
    hidden = Review.objects.get(user=students[2].user)
    review_hide(review=hidden, by=superuser, reason="Off topic")  # hide
    enrollment_revoke(enrollment=students[3])  # revoke
    assert stored_figures(course) == fresh_figures(course)
    assert stored_figures(course)["count"] == 1

    review_show(review=hidden)  # show again
    enrollment_grant(user=students[3].user, course=course)  # access back
    review(course, 3)  # a new one
    assert stored_figures(course) == fresh_figures(course)
    assert stored_figures(course)["count"] == 4


def test_hiding_tells_the_author_why_and_showing_puts_it_back(client, course, superuser):
    author = review(course, 2, body="Meh")
    target = Review.objects.get()
    client.force_login(superuser)
    url = reverse("admin:community_review_change", args=[target.pk])

    refused = client.post(url, {"hidden": "on", "hidden_reason": ""})
    assert refused.status_code == 200 and "Say why: the author is told." in refused.content.decode()
    assert client.post(url, {"hidden": "on", "hidden_reason": "Personal attack"}).status_code == 302

    target.refresh_from_db()
    assert target.is_hidden and target.hidden_by == superuser
    told = Notification.objects.get(user=author.user, kind=Notification.Kind.REVIEW_HIDDEN)
    assert "Personal attack" in told.message
    assert CourseRating.objects.get(course=course).count == 0
    client.force_login(author.user)
    assert (
        "A moderator hid your review: Personal attack"
        in client.get(course.get_absolute_url()).content.decode()
    )

    client.force_login(superuser)
    client.post(url, {"hidden_reason": ""})
    assert not Review.objects.get().is_hidden
    assert CourseRating.objects.get(course=course).count == 1


def test_an_instructor_sees_the_reviews_of_their_courses_but_cannot_hide_them(
    client, course, other_instructor
):
    review(course, 1, body="Harsh but fair")
    theirs = course_with_curriculum(modules=1, lessons_per_module=10, instructor=other_instructor)
    review(theirs, 5)
    client.force_login(course.instructor)

    listed = client.get(reverse("admin:community_review_changelist")).context["cl"].result_list
    assert [r.course for r in listed] == [course]
    mine = Review.objects.get(course=course)
    change = reverse("admin:community_review_change", args=[mine.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="hidden"' not in page.content.decode()
    client.post(change, {"hidden": "on", "hidden_reason": "I do not like it"})
    assert not Review.objects.get(pk=mine.pk).is_hidden
    other = Review.objects.get(course=theirs)
    assert client.get(reverse("admin:community_review_change", args=[other.pk])).status_code == 302


def test_the_catalogue_card_shows_average_and_count_and_sorts_by_rating(client):
    def rated(title, *ratings):
        course = course_with_curriculum(modules=1, lessons_per_module=10, title=title)
        for rating in ratings:
            review(course, rating)
        return course

    rated("Two fives", 5, 5)  # fewer than 3 ratings: after the others, however high
    rated("Solid", 4, 4, 5)
    rated("Loved", 5, 5, 4, 5)
    rated("Weak", 2, 1, 2)
    CourseFactory(title="Unrated")

    html = client.get(reverse("courses:catalogue")).content.decode()
    card = '<span aria-hidden="true">★</span> 4.8<span class="visually-hidden"> out of 5</span> (4 ratings)'
    assert f'<li class="rating-meta">{card}</li>' in html

    response = client.get(reverse("courses:catalogue"), {"sort": "rating"})
    titles = [course.title for course in response.context["page"].object_list]
    assert titles == ["Loved", "Solid", "Weak", "Two fives", "Unrated"]
    assert '<option value="rating" selected>Highest rated</option>' in response.content.decode()


def test_the_reviews_page_lists_ten_a_page_in_the_chosen_order(client, course):
    for rating in (1, 2, 3, 4, 5) * 3:
        review(course, rating, body=f"Rated {rating}")
    url = reviews_url(course)

    first = client.get(url, {"sort": "highest"})
    assert [r.rating for r in first.context["page"].object_list] == [5, 5, 5, 4, 4, 4, 3, 3, 3, 2]
    assert 'href="?sort=highest&amp;page=2"' in first.content.decode()
    lowest = client.get(url, {"sort": "lowest", "page": "2"})
    assert [r.rating for r in lowest.context["page"].object_list] == [4, 4, 5, 5, 5]
    assert client.get(url, {"sort": "'; drop", "page": "x"}).status_code == 200


def _with_reviews(count: int):
    course = course_with_curriculum(modules=1, lessons_per_module=10)
    for i in range(count):
        review(course, 1 + i % 5, body=f"Review {i} *with* Markdown", percent=20 if i < 3 else 0)
    return course


@pytest.mark.parametrize("count", [3, 300])
def test_review_pages_run_a_constant_number_of_queries(client, django_assert_num_queries, settings, count):
    settings.REVIEW_MIN_PROGRESS = 0
    course = _with_reviews(count)
    viewer = student_at(course, 20).user
    client.force_login(viewer)
    client.get(course.get_absolute_url())  # the curriculum is cached from the second view on
    own_pages_renewed(viewer)

    # Session, user, course with its figures (students, ratings), enrollment with the
    # completed lessons, curriculum version; the reviews section: the viewer's own
    # (announcements and the newest ten are cached fragments, community/fragments.py); the badge.
    with django_assert_num_queries(7):
        client.get(course.get_absolute_url())
    # Session, user, course with its figures, count and page of reviews, enrollment, own, badge.
    with django_assert_num_queries(8):
        client.get(reviews_url(course))
    client.logout()
    # The filters' categories and currencies, published courses, page of cards with
    # their figures (ratings included).
    with django_assert_num_queries(4):
        client.get(reverse("courses:catalogue"), {"sort": "rating"})
