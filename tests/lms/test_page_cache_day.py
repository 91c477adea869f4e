"""A cached page is the page of one day: course pages say "Opens on 12 January"
(scheduled modules) and "3 days ago" (reviews), so the next day renders anew."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from lms import page_cache
from tests.factories import course_with_curriculum

pytestmark = pytest.mark.django_db


def test_the_next_day_the_page_is_rendered_again(client, monkeypatch, django_assert_num_queries):
    cache.clear()
    course = course_with_curriculum(modules=1, lessons_per_module=2, price=Decimal("0"))
    url = reverse("courses:detail", kwargs={"slug": course.slug})
    today = datetime.date(2027, 1, 11)
    monkeypatch.setattr(page_cache.timezone, "localdate", lambda: today)
    first = client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url)["ETag"] == first["ETag"]

    monkeypatch.setattr(page_cache.timezone, "localdate", lambda: today + datetime.timedelta(days=1))
    next_day = client.get(url)

    assert next_day.status_code == 200
    assert next_day["ETag"] != first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    cache.clear()
