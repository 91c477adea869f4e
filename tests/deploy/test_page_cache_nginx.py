"""The anonymous page cache (lms/page_cache.py) through deploy/nginx/doctrina.conf: nginx passes
the application's ETag, Last-Modified and Cache-Control through, and a client's If-None-Match,
so a browser's revalidation of the catalogue is a 304 with no body, served by either worker
from the cache they share."""

import http.client

from .servers import HOST, SITE_HOST, _tls


def _get(port: int, path: str, **headers: str) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPSConnection(HOST, port, timeout=10, context=_tls())
    try:
        connection.request("GET", path, headers={"Host": SITE_HOST, **headers})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_a_visitors_revalidation_is_a_304_without_a_body_through_nginx(nginx):
    first, body = _get(nginx.https_port, "/courses/")
    assert first.status == 200 and b"csrfmiddlewaretoken" not in body
    assert first.getheader("Cache-Control") == "public, max-age=0, s-maxage=60"
    etag, last_modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert etag.startswith('W/"') and last_modified
    for _ in range(4):  # both workers: the cache is shared
        again, again_body = _get(nginx.https_port, "/courses/", **{"If-None-Match": etag})
        assert again.status == 304 and again_body == b""
        assert again.getheader("ETag") == etag
        since, since_body = _get(nginx.https_port, "/courses/", **{"If-Modified-Since": last_modified})
        assert since.status == 304 and since_body == b""


def test_pages_with_a_form_are_private_through_nginx(nginx):
    response, body = _get(nginx.https_port, "/accounts/login/")
    assert response.status == 200 and b"csrfmiddlewaretoken" in body
    assert "private" in response.getheader("Cache-Control")
    assert response.getheader("ETag") is None
