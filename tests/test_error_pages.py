from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path

from lms.urls import urlpatterns as site_urlpatterns


def explode(request):
    raise RuntimeError("boom")


urlpatterns = [*site_urlpatterns, path("explode/", explode)]
handler500 = "lms.views.server_error"


@pytest.mark.django_db
def test_404_is_friendly_and_in_site_style(client):
    response = client.get("/courses/nope/lessons/1/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "couldn’t find that page" in html
    assert 'href="/static/css/site.css"' in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_500_is_friendly():
    client = Client(raise_request_exception=False)
    response = client.get("/explode/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_does_not_answer(client):
    assert client.get("/readyz").status_code == 200
    with mock.patch("lms.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
