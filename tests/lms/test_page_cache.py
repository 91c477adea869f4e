"""The anonymous page cache (lms/page_cache.py): what a visitor who is not
logged in gets from the catalogue, a course page and a preview lesson is served
whole from the shared cache, never with anything of someone else's in it, and
never stale. Each test runs with the locmem cache and with Redis."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from community.models import Review
from community.services import course_rating_refresh
from courses.models import Category, Lesson
from courses.services import lessons_delete_or_archive
from lms import page_cache
from lms.page_cache import page_cached, version_bump, version_key, versions_get
from tests.factories import EnrollmentFactory, LessonFactory, UserFactory, course_with_curriculum

REDIS_URL = "rediscache://127.0.0.1:6379/7"  # a database of its own, flushed around each test


def _redis_or_skip():
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=7)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


@pytest.fixture(params=["locmem", "redis"], autouse=True)
def shared_cache(request, settings):
    if request.param == "redis":
        import environ

        client = _redis_or_skip()
        client.flushdb()
        settings.CACHES = {"default": environ.Env.cache_url_config(REDIS_URL)}
        yield request.param
        client.flushdb()
    else:
        yield request.param
    cache.clear()


@pytest.fixture
def course(db):
    return course_with_curriculum(modules=2, lessons_per_module=3, title="Cached course", price=Decimal("0"))


def detail(course):
    return reverse("courses:detail", kwargs={"slug": course.slug})


def preview_url(course):
    return Lesson.objects.get(module__course=course, is_preview=True).get_absolute_url()


CATALOGUE = "/courses/"


def _pages(course):
    return [CATALOGUE, detail(course), preview_url(course)]


# --- served from the cache --------------------------------------------------------------


def test_a_page_seen_before_is_served_whole_without_a_query(client, course, django_assert_num_queries):
    for url in _pages(course):
        first = client.get(url)
        assert first.status_code == 200
        with django_assert_num_queries(0):
            again = client.get(url)
        assert again.content == first.content
        assert again["ETag"] == first["ETag"] and again["ETag"].startswith('W/"')
        assert again["Last-Modified"] == first["Last-Modified"]
        assert again["Cache-Control"] == "public, max-age=0, s-maxage=60"
        assert "Cookie" in again["Vary"]


def test_a_cached_page_goes_compressed_to_a_client_that_accepts_gzip(client, course):
    import gzip

    for url in _pages(course):
        plain = client.get(url)
        assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
        for _ in range(2):  # as it is stored, then from the cache
            packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
            assert packed["Content-Encoding"] == "gzip"
            assert gzip.decompress(packed.content) == plain.content
            assert len(packed.content) < len(plain.content) / 2
            assert "Accept-Encoding" in packed["Vary"] and packed["ETag"] == plain["ETag"]
        assert "Content-Encoding" not in client.get(url)  # and plain again to one that does not


def test_an_anonymous_page_has_no_csrf_token_and_sets_no_cookie(client, course):
    for url in _pages(course):
        response = client.get(url)
        assert b"csrfmiddlewaretoken" not in response.content, url
        assert not response.cookies, url


def test_a_visitor_with_a_session_cookie_costs_at_most_the_session_read(
    client, course, django_assert_max_num_queries
):
    client.get(detail(course))
    client.cookies["sessionid"] = "no-such-session"
    with django_assert_max_num_queries(1):
        response = client.get(detail(course))
    assert response["Cache-Control"].startswith("public")


def test_the_query_string_is_part_of_the_key_in_any_order(client, course):
    free_by_price = client.get(f"{CATALOGUE}?price=free&sort=price")
    by_price_free = client.get(f"{CATALOGUE}?sort=price&price=free")
    newest = client.get(f"{CATALOGUE}?sort=newest")
    assert free_by_price["ETag"] == by_price_free["ETag"]
    assert newest["ETag"] != free_by_price["ETag"]
    assert client.get(f"{CATALOGUE}?q=nothing-matches")["ETag"] != newest["ETag"]


def test_head_is_answered_from_the_cache(client, course, django_assert_num_queries):
    client.get(detail(course))
    with django_assert_num_queries(0):
        response = client.head(detail(course))
    assert response.status_code == 200 and response.content == b""


# --- never someone else's page ----------------------------------------------------------


def test_a_logged_in_page_never_reaches_a_visitor(client, course):
    student = UserFactory(first_name="Zebedee", last_name="Quartermaine")
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)
    for url in _pages(course):
        own = client.get(url)
        assert "Log out" in own.content.decode()
        assert "private" in own["Cache-Control"] and "public" not in own["Cache-Control"]
    client.logout()
    for url in _pages(course):
        html = client.get(url).content.decode()
        assert "Log out" not in html and "Continue learning" not in html and "Zebedee" not in html
        assert "csrfmiddlewaretoken" not in html
        html = client.get(url).content.decode()  # from the cache now
        assert "Log out" not in html and "csrfmiddlewaretoken" not in html


def test_a_visitors_cached_page_never_reaches_a_logged_in_user(client, course):
    for url in _pages(course):
        client.get(url)
        client.get(url)
    student = UserFactory(first_name="Zebedee")
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)
    for url in _pages(course):
        response = client.get(url)
        assert "Log out" in response.content.decode()
        assert "private" in response["Cache-Control"]
    assert "Continue learning" in client.get(detail(course)).content.decode()


def test_a_message_after_logging_out_is_shown_and_not_cached(client, course):
    client.get(CATALOGUE)  # the visitor's catalogue is in the cache
    client.force_login(UserFactory())
    response = client.post(reverse("account_logout"), follow=True)
    html = response.content.decode()
    assert response.redirect_chain and 'class="messages"' in html
    assert "private" in response["Cache-Control"] and "ETag" not in response
    again = client.get(response.request["PATH_INFO"])
    assert 'class="messages"' not in again.content.decode()
    assert again["Cache-Control"].startswith("public")


def test_an_answer_that_used_the_csrf_token_is_never_stored():
    calls = []

    @page_cached(lambda **kwargs: ["probe"])
    def view(request):
        calls.append(request)
        html = engines["django"].from_string("<form>{% csrf_token %}</form>").render(request=request)
        return HttpResponse(html)

    def anonymous_get():
        request = RequestFactory().get("/probe/")
        request.user = AnonymousUser()
        return request

    for _ in range(2):
        response = view(anonymous_get())
        assert b"csrfmiddlewaretoken" in response.content
        assert "ETag" not in response
    assert len(calls) == 2


def test_an_answer_with_a_cookie_or_an_error_is_never_stored():
    calls = []

    @page_cached(lambda **kwargs: ["probe"])
    def view(request, status=200, cookie=False):
        calls.append(request)
        response = HttpResponse("hello", status=status)
        if cookie:
            response.set_cookie("flavour", "mint")
        return response

    for kwargs in ({"status": 404}, {"cookie": True}):
        for _ in range(2):
            request = RequestFactory().get("/probe/")
            request.user = AnonymousUser()
            assert "ETag" not in view(request, **kwargs)
    assert len(calls) == 4


# --- never stale ----------------------------------------------------------------------


def _etags(client, urls):
    return {url: client.get(url)["ETag"] for url in urls}


def _changes(client, urls, change):
    before = _etags(client, urls)
    assert _etags(client, urls) == before  # cached, unchanged
    change()
    after = _etags(client, urls)
    return [url for url in urls if after[url] != before[url]]


def test_a_course_change_shows_at_once(client, course):
    urls = _pages(course)

    def retitle():
        course.title = "A better title"
        course.save()

    assert _changes(client, urls, retitle) == urls
    for url in urls:
        assert "A better title" in client.get(url).content.decode()

    def reprice():
        course.price = Decimal("19.00")
        course.save()

    assert _changes(client, urls, reprice) == urls
    assert "19.00" in client.get(detail(course)).content.decode()


def test_a_slug_change_leaves_no_page_at_the_old_address(client, course):
    old = detail(course)
    assert client.get(old).status_code == 200
    course.slug = "a-new-address"
    course.save()
    assert client.get(old).status_code == 404


def test_unpublishing_takes_the_pages_away(client, course):
    assert client.get(detail(course)).status_code == 200
    course.status = course.Status.DRAFT
    course.save()
    assert client.get(detail(course)).status_code == 404
    assert course.title not in client.get(CATALOGUE).content.decode()


def test_a_lesson_added_or_removed_shows_at_once(client, course):
    urls = _pages(course)
    module = course.modules.first()
    assert _changes(client, urls, lambda: LessonFactory(module=module, title="Fresh lesson")) == urls
    assert "Fresh lesson" in client.get(detail(course)).content.decode()
    assert "7 lessons" in client.get(detail(course)).content.decode()

    fresh = Lesson.objects.filter(title="Fresh lesson")
    assert _changes(client, urls, lambda: lessons_delete_or_archive(lessons=fresh)) == urls
    assert "Fresh lesson" not in client.get(detail(course)).content.decode()


def test_a_bulk_edit_that_sends_no_model_signal_shows_at_once(client, course):
    """A reorder is a bulk update: `curriculum_changed` bumps the versions."""
    from courses.services import lessons_renumber

    module = course.modules.get(title="Module 1")
    first, _second, third = module.lessons.order_by("order")
    html = client.get(detail(course)).content.decode()
    assert html.index(first.title) < html.index(third.title)
    Lesson.objects.filter(pk=third.pk).update(order=0)
    Lesson.objects.filter(pk=first.pk).update(order=9)
    lessons_renumber(module=module)
    html = client.get(detail(course)).content.decode()
    assert html.index(third.title) < html.index(first.title)


def test_a_preview_lessons_content_shows_at_once(client, course):
    lesson = Lesson.objects.get(module__course=course, is_preview=True)
    client.get(lesson.get_absolute_url())
    lesson.content = "Rewritten preview"
    lesson.save()
    assert "Rewritten preview" in client.get(lesson.get_absolute_url()).content.decode()


def test_a_new_review_shows_at_once(client, course):
    urls = [CATALOGUE, detail(course)]

    def review():
        enrollment = EnrollmentFactory(course=course)
        Review.objects.create(user=enrollment.user, course=course, rating=4, body="Crisp and useful")
        course_rating_refresh(course_id=course.pk)

    assert _changes(client, urls, review) == urls
    assert "Crisp and useful" in client.get(detail(course)).content.decode()


def test_the_reviews_page_is_served_from_the_cache_and_shows_a_new_review_at_once(
    client, course, django_assert_num_queries
):
    url = reverse("community:reviews", kwargs={"slug": course.slug})
    first = client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url).content == first.content
    sorted_url = f"{url}?sort=lowest&page=1"
    client.get(sorted_url)

    def review():
        enrollment = EnrollmentFactory(course=course)
        Review.objects.create(user=enrollment.user, course=course, rating=2, body="Too crisp for me")
        course_rating_refresh(course_id=course.pk)

    assert _changes(client, [url, sorted_url], review) == [url, sorted_url]
    assert "Too crisp for me" in client.get(sorted_url).content.decode()


def test_a_students_reviews_page_never_reaches_a_visitor(client, course):
    url = reverse("community:reviews", kwargs={"slug": course.slug})
    student = UserFactory(first_name="Zebedee")
    EnrollmentFactory(user=student, course=course)
    client.force_login(student)
    client.get(url)
    client.logout()
    html = client.get(url).content.decode()
    assert "Zebedee" not in html and "csrfmiddlewaretoken" not in html and "Log out" not in html


def test_a_new_student_changes_the_student_count(client, course):
    client.get(detail(course))
    assert _changes(client, [CATALOGUE, detail(course)], lambda: EnrollmentFactory(course=course)) == [
        CATALOGUE,
        detail(course),
    ]
    assert "1 student<" in client.get(detail(course)).content.decode()


def test_a_category_changes_the_catalogue(client, course):
    def categorise():
        course.categories.add(Category.objects.create(name="Gardening", slug="gardening"))

    assert _changes(client, [CATALOGUE], categorise) == [CATALOGUE]
    assert "Gardening" in client.get(CATALOGUE).content.decode()


def test_the_instructors_name_shows_at_once(client, course):
    client.get(detail(course))
    instructor = course.instructor
    instructor.first_name, instructor.last_name = "Grace", "Hopper"
    instructor.save()
    assert "Grace Hopper" in client.get(detail(course)).content.decode()


def test_a_login_changes_no_version(client, course):
    etag = client.get(detail(course))["ETag"]
    client.force_login(UserFactory())  # writes last_login only
    client.logout()
    assert client.get(detail(course))["ETag"] == etag


def test_a_lost_version_is_a_miss_never_a_stale_page(client, course, django_assert_num_queries):
    etag = client.get(detail(course))["ETag"]
    cache.delete(f"pagecache:v:course:{course.slug}")
    assert client.get(detail(course))["ETag"] != etag


def test_a_bump_inside_a_transaction_bumps_again_on_commit(
    client, course, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        before = client.get(detail(course))["ETag"]
        version_bump(f"course:{course.slug}")
        during = client.get(detail(course))["ETag"]
    after = client.get(detail(course))["ETag"]
    assert len(callbacks) == 1
    assert len({before, during, after}) == 3


def test_a_transactions_bumps_are_bumped_again_once_on_commit_even_after_a_rolled_back_savepoint(
    client, course, django_capture_on_commit_callbacks
):
    from django.db import transaction

    other = course_with_curriculum(modules=1, lessons_per_module=1, price=Decimal("0"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                version_bump(f"course:{other.slug}")  # its callback goes with the savepoint
                raise RuntimeError
        except RuntimeError:
            pass
        version_bump(f"course:{course.slug}")
        version_bump(f"course:{course.slug}", "catalogue")
        during = client.get(detail(course))["ETag"]
    assert len(callbacks) == 1  # one write at commit for every name bumped at that level
    assert client.get(detail(course))["ETag"] != during


def _bumps_written(monkeypatch) -> list[set[str]]:
    """The names of each version write (a Redis round trip) from now on."""
    written, bump_now = [], page_cache._bump_now
    monkeypatch.setattr(page_cache, "_bump_now", lambda names: (written.append(set(names)), bump_now(names)))
    return written


def test_a_page_stored_between_two_writes_of_a_transaction_is_a_miss_after_the_second(client, course):
    """What tests and a request that writes then reads do: the page this connection
    stored from its own first write is not served after its second."""
    with transaction.atomic():
        client.get(detail(course))
        course.title = "The first title"
        course.save()
        assert "The first title" in client.get(detail(course)).content.decode()
        course.title = "The second title"
        course.save()
        assert "The second title" in client.get(detail(course)).content.decode()


def test_a_students_page_stored_between_two_writes_of_a_transaction_is_a_miss_after_the_second(
    client, course
):
    from learning.services.progress import lesson_complete

    student = EnrollmentFactory(course=course).user
    first, second = Lesson.objects.filter(module__course=course).order_by("module__order", "order")[:2]
    client.force_login(student)
    url = course.get_absolute_url()
    with transaction.atomic():
        assert "0 of 6 lessons" in client.get(url).content.decode()
        lesson_complete(user=student, lesson=first)
        assert "1 of 6 lessons" in client.get(url).content.decode()
        lesson_complete(user=student, lesson=second)
        assert "2 of 6 lessons" in client.get(url).content.decode()


def test_a_purchases_writes_to_the_buyer_are_one_version_write_at_once_and_one_on_commit(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    """The shape of a webhook's fulfilment: the enrollment in a savepoint, then the
    notification, the purchase and the receipt, each bumping the buyer's pages."""
    buyer, course_name = "user:bought", "course:sold"
    written = _bumps_written(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with transaction.atomic():
            with transaction.atomic():
                version_bump(buyer)
                version_bump(course_name)
            version_bump(buyer)
        version_bump(buyer)
        version_bump(buyer, course_name)
        during = versions_get([buyer, course_name])
        assert written == [{buyer}, {course_name}]  # other processes read only committed rows
    assert written == [{buyer}, {course_name}, {buyer, course_name}]
    after = versions_get([buyer, course_name])
    assert after[buyer] != during[buyer] and after[course_name] != during[course_name]


def test_outside_a_transaction_every_bump_is_at_once(monkeypatch):
    written = _bumps_written(monkeypatch)
    seen = []
    for _ in range(2):
        version_bump("catalogue")
        seen.append(versions_get(["catalogue"])["catalogue"])
    assert written == [{"catalogue"}, {"catalogue"}] and seen[0] != seen[1]


def test_a_bumped_version_reads_back_as_written(shared_cache, monkeypatch):
    monkeypatch.setattr(page_cache, "_new_value", lambda: "1700000000000000000-cafef00d")
    version_bump("catalogue", "people")
    value = "1700000000000000000-cafef00d"
    assert versions_get(["catalogue", "people"]) == {"catalogue": value, "people": value}
    assert cache.get_many([version_key("people")]) == {version_key("people"): value}
    if shared_cache == "redis":  # one MSET, kept until evicted (VERSION_TIMEOUT None)
        assert _redis_or_skip().ttl(cache.make_key(version_key("catalogue"))) == -1


# --- conditional requests -------------------------------------------------------------


def test_a_304_carries_no_body(client, course, django_assert_num_queries):
    for url in _pages(course):
        response = client.get(url)
        with django_assert_num_queries(0):
            not_modified = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert not_modified.status_code == 304
        assert not_modified.content == b""
        assert not_modified["ETag"] == response["ETag"]
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
        assert since.status_code == 304 and since.content == b""


def test_a_stale_etag_gets_the_new_page(client, course):
    etag = client.get(detail(course))["ETag"]
    course.title = "Changed since"
    course.save()
    response = client.get(detail(course), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Changed since" in response.content.decode()


def test_an_old_if_modified_since_gets_the_page(client, course):
    client.get(detail(course))
    long_ago = http_date(timezone.now().timestamp() - 7 * 24 * 3600)
    assert client.get(detail(course), HTTP_IF_MODIFIED_SINCE=long_ago).status_code == 200


def test_a_first_visit_with_a_matching_etag_is_a_304_too(client, course):
    """The page left the cache (memory), its versions did not: the ETag still holds."""
    etag = client.get(detail(course))["ETag"]
    cache.delete("pagecache:page:" + etag.removeprefix('W/"').removesuffix('"'))
    assert client.get(detail(course), HTTP_IF_NONE_MATCH=etag).status_code == 304


# --- everything logged in is private ----------------------------------------------------


def test_logged_in_pages_are_private(client, course):
    client.force_login(UserFactory())
    for url in [*_pages(course), reverse("learning:dashboard")]:
        response = client.get(url)
        assert response.status_code == 200
        assert "private" in response["Cache-Control"], url


def test_healthz_is_untouched(client):
    response = client.get("/healthz")
    assert "public" not in response.get("Cache-Control", "")


def test_only_the_cached_pages_addresses_are_looked_up(course):
    from lms.page_cache_middleware import cached_routes

    routes = [route for route, versions in cached_routes()]
    for url in ["/", *_pages(course)]:
        assert any(route.match(url) for route in routes), url
    for url in ["/healthz", "/accounts/login/", "/dashboard/", "/admin/", f"{detail(course)}completed/"]:
        assert not any(route.match(url) for route in routes), url


def test_a_server_that_takes_payments_keeps_pages_of_its_own(client, settings, course):
    course.price = Decimal("25.00")
    course.save()
    assert "Not on sale yet" in client.get(detail(course)).content.decode()
    settings.STRIPE_SECRET_KEY = "sk_test_configured"
    html = client.get(detail(course)).content.decode()
    assert "Not on sale yet" not in html and "Sign up to buy" in html
