"""The catalogue's filters (issue 14): category, free/paid, price range in one
currency, rating, duration, the instructor's name in the search; they combine,
stay in the URL through the pages, and the page says how many courses match
and what to do when none does."""

from decimal import Decimal

import pytest
from django.urls import reverse

from community.models import CourseRating
from courses.models import Category, Course
from tests.factories import CourseFactory, InstructorFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db

URL = "/courses/"
HOUR = 3600


def titles(response) -> list[str]:
    return [course.title for course in response.context["page"].object_list]


def category(name: str, order: int = 0) -> Category:
    return Category.objects.create(name=name, slug=name.lower().replace(" ", "-"), order=order)


def course(title: str, *, categories=(), minutes: int = 0, rating: str | None = None, **fields) -> Course:
    made = CourseFactory(title=title, **fields)
    made.categories.set(categories)
    if minutes:
        LessonFactory(module=ModuleFactory(course=made), duration=minutes * 60)
    if rating is not None:
        CourseRating.objects.create(course=made, count=5, average=Decimal(rating))
    return made


@pytest.fixture
def web():
    return category("Web development", order=1)


@pytest.fixture
def data():
    return category("Data science", order=2)


def test_category_filter_lists_only_that_categorys_courses(client, web, data):
    course("Django", categories=[web])
    course("Pandas", categories=[data])
    course("Fullstack analytics", categories=[web, data])  # in both: listed once
    course("Uncategorised")

    response = client.get(URL, {"category": "web-development"})

    assert sorted(titles(response)) == ["Django", "Fullstack analytics"]
    html = response.content.decode()
    assert "<h1>Web development courses</h1>" in html
    assert "2 courses" in html
    assert sorted(titles(client.get(URL, {"category": "data-science"}))) == ["Fullstack analytics", "Pandas"]


def test_the_category_list_offers_categories_with_published_courses_in_staff_order(client, web, data):
    empty = category("Empty", order=0)
    drafts = category("Drafts only", order=0)
    course("Django", categories=[web])
    course("Pandas", categories=[data])
    course("Secret", categories=[drafts], status=Course.Status.DRAFT)

    response = client.get(URL)

    assert [c.name for c in response.context["categories"]] == ["Web development", "Data science"]
    html = response.content.decode()
    assert f'value="{empty.slug}"' not in html
    assert 'value="drafts-only"' not in html


def test_free_and_paid(client):
    course("Free one", price=0)
    course("Paid one", price=Decimal("10"))

    assert titles(client.get(URL, {"price": "free"})) == ["Free one"]
    assert titles(client.get(URL, {"price": "paid"})) == ["Paid one"]


def test_price_range_is_in_the_chosen_currency(client):
    course("Cheap dollars", price=Decimal("10"), currency="usd")
    course("Dear dollars", price=Decimal("80"), currency="usd")
    course("Cheap euros", price=Decimal("12"), currency="eur")
    course("Yen", price=Decimal("2500"), currency="jpy")

    response = client.get(URL, {"currency": "usd", "min_price": "5", "max_price": "50"})
    assert titles(response) == ["Cheap dollars"]
    assert titles(client.get(URL, {"currency": "eur", "max_price": "50"})) == ["Cheap euros"]
    assert titles(client.get(URL, {"currency": "jpy", "min_price": "1000"})) == ["Yen"]
    # A range with no currency chosen is in the site's own (usd), and the page says so.
    response = client.get(URL, {"max_price": "50"})
    assert titles(response) == ["Cheap dollars"]
    assert "Price range in USD" in response.content.decode()
    assert response.context["search"].currency == "usd"


def test_a_currency_keeps_free_courses(client):
    course("Free in euros", price=0, currency="eur")
    course("Dollars", price=Decimal("10"), currency="usd")
    course("Euros", price=Decimal("10"), currency="eur")

    assert sorted(titles(client.get(URL, {"currency": "usd"}))) == ["Dollars", "Free in euros"]


def test_rating_filter_comes_from_community(client):
    course("Loved", rating="4.70")
    course("Liked", rating="4.10")
    course("Meh", rating="3.20")
    course("Unrated")

    assert titles(client.get(URL, {"rating": "4.5"})) == ["Loved"]
    assert sorted(titles(client.get(URL, {"rating": "4"}))) == ["Liked", "Loved"]
    assert sorted(titles(client.get(URL, {"rating": "3"}))) == ["Liked", "Loved", "Meh"]
    assert 'name="rating"' in client.get(URL).content.decode()


def test_duration_filter_uses_the_total_duration(client):
    course("Short", minutes=90)
    course("Exactly two hours", minutes=120)
    course("Medium", minutes=5 * 60)
    course("Long", minutes=7 * 60)

    assert titles(client.get(URL, {"duration": "short"})) == ["Short"]
    assert sorted(titles(client.get(URL, {"duration": "medium"}))) == ["Exactly two hours", "Medium"]
    assert titles(client.get(URL, {"duration": "long"})) == ["Long"]


def test_search_matches_the_instructors_name(client):
    maya = InstructorFactory(first_name="Maya", last_name="Okafor")
    course("Django", instructor=maya, subtitle="", description="")
    course("Other", subtitle="", description="")

    assert titles(client.get(URL, {"q": "okafor"})) == ["Django"]
    assert titles(client.get(URL, {"q": "Maya Okafor"})) == ["Django"]


def test_filters_combine(client, web, data):
    course("Free web short", categories=[web], price=0, minutes=30, rating="4.8")
    course("Paid web short", categories=[web], price=Decimal("20"), minutes=30, rating="4.8")
    course("Free web long", categories=[web], price=0, minutes=8 * 60, rating="4.8")
    course("Free data short", categories=[data], price=0, minutes=30, rating="4.8")
    course("Free web short unloved", categories=[web], price=0, minutes=30, rating="2.0")

    response = client.get(
        URL, {"category": "web-development", "price": "free", "duration": "short", "rating": "4.5"}
    )

    assert titles(response) == ["Free web short"]
    assert "1 course<" in response.content.decode()


def test_filters_stay_in_the_form_and_through_pagination(client, web):
    for i in range(13):
        course(f"Web {i:02}", categories=[web], price=0)
    course("Paid web", categories=[web], price=Decimal("5"))
    params = {"q": "web", "category": "web-development", "price": "free", "sort": "newest"}

    first = client.get(URL, params)
    html = first.content.decode()
    assert first.context["page"].paginator.count == 13
    assert "13 courses" in html
    assert (
        'rel="next" href="?q=web&amp;sort=newest&amp;category=web-development&amp;price=free&amp;page=2"'
        in html
    )
    assert '<option value="web-development" selected>' in html
    assert '<option value="free" selected>' in html
    second = client.get(URL, {**params, "page": "2"})
    assert titles(second) == ["Web 00"]
    assert "Paid web" not in second.content.decode()


def test_empty_state_says_so_and_links_to_clear_the_filters(client, web):
    course("Paid web", categories=[web], price=Decimal("5"))

    response = client.get(URL, {"q": "web", "category": "web-development", "price": "free"})

    html = response.content.decode()
    assert titles(response) == []
    assert "0 courses" in html
    assert "No course matches “web” with these filters" in html
    # Clearing keeps the search and the order, drops every filter.
    assert '<a href="?q=web&amp;sort=newest">Clear filters</a>' in html
    assert titles(client.get(URL, {"q": "web", "sort": "newest"})) == ["Paid web"]


@pytest.mark.parametrize(
    "params",
    [
        {"category": "no-such-category"},
        {"price": "cheap"},
        {"min_price": "abc", "max_price": "NaN"},
        {"min_price": "-5"},
        {"max_price": "1e999"},
        {"currency": "xxx"},
        {"rating": "6"},
        {"duration": "forever"},
        {"category": ["a", "b"], "price": "free\x00"},
    ],
)
def test_bad_values_are_ignored(client, params):
    course("Listed", price=Decimal("10"))

    response = client.get(URL, params)

    assert response.status_code == 200
    assert titles(response) == ["Listed"]
    assert not response.context["search"].is_filtered


def test_a_reversed_price_range_is_read_the_right_way_round(client):
    course("Twenty", price=Decimal("20"))
    assert titles(client.get(URL, {"currency": "usd", "min_price": "50", "max_price": "10"})) == ["Twenty"]


def test_price_sort_compares_prices_within_one_currency_and_says_so(client):
    course("Yen 2500", price=Decimal("2500"), currency="jpy")
    course("Euro 19", price=Decimal("19.99"), currency="eur")
    course("Dollar 49", price=Decimal("49"), currency="usd")
    course("Dollar 5", price=Decimal("5"), currency="usd")
    course("Free", price=0, currency="eur")

    response = client.get(URL, {"sort": "price"})

    # Free first, then each currency's courses by price: never 19.99 EUR beside 2500 JPY as numbers.
    assert titles(response) == ["Free", "Euro 19", "Yen 2500", "Dollar 5", "Dollar 49"]
    html = response.content.decode()
    assert "Prices are only compared within one currency" in html
    assert "EUR, JPY, USD" in html

    within = client.get(URL, {"sort": "price", "currency": "usd"})
    assert titles(within) == ["Free", "Dollar 5", "Dollar 49"]
    assert "then prices in USD, lowest first" in within.content.decode()


def test_one_search_box_on_the_catalogue_and_one_in_the_header_elsewhere(client):
    catalogue = client.get(URL).content.decode()
    assert catalogue.count('type="search"') == 1
    assert 'id="header-q"' not in catalogue
    other = client.get(reverse("account_login")).content.decode()
    assert 'id="header-q"' in other


@pytest.mark.parametrize("categories", [2, 12])
def test_filtered_catalogue_query_count_is_pinned(client, django_assert_num_queries, categories):
    listed = [category(f"Topic {i}") for i in range(categories)]
    for i in range(categories * 2):
        course(f"Course {i}", categories=listed[: 1 + i % 3], price=0, minutes=30, rating="4.9")
    params = {
        "q": "course",
        "category": "topic-0",
        "price": "free",
        "duration": "short",
        "rating": "4.5",
        "currency": "usd",
        "sort": "price",
    }
    # Categories offered, currencies offered, the COUNT, one page of cards with their figures:
    # whatever the number of categories and courses.
    with django_assert_num_queries(4):
        response = client.get(URL, params)
    assert response.context["page"].paginator.count == categories * 2
