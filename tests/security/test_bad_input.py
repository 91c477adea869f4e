"""Bad input on every page is a 400, a form error, a 404 or the value ignored,
never a 500. Generated from the URL conf: each path() with its converters
filled from the seeded world, sent bad query parameters and bad form values
(every common name, and every name its view's module reads), and each path
converter given bad values. On PostgreSQL too: a NUL byte only fails there."""

import pytest
from django.test import Client

from tests.security.conftest import valid_kwargs
from tests.security.sweep import (
    BAD_PATH_VALUES,
    BAD_VALUES,
    COMMON_PARAMETERS,
    failure,
    parameters_read_by,
    query,
    quoted,
    request,
    routes,
)

pytestmark = pytest.mark.django_db

# The admin has its own sweep (test_admin_bad_input.py), from its registered ModelAdmins.
SITE_ROUTES = [route for route in routes(exclude_prefixes=("admin/",))]
# allauth's converters, filled with values of the right shape that name nothing.
OTHER_VALUES = {"key": "abc123", "uidb36": "1"}


def _fill(values, route):
    missing = set(route.converters) - set(values)
    assert not missing, f"{route.name}: no seeded value for {missing}; add one to valid_kwargs()"
    return {name: values[name] for name in route.converters}


def _clients(world) -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for who in ("student", "instructor"):
        client = Client()
        client.force_login(world.student.user if who == "student" else world.instructor)
        clients[who] = client
    return clients


def test_the_sweep_covers_the_site():
    names = {route.name for route in SITE_ROUTES}
    for expected in (
        "courses:catalogue", "courses:lesson", "learning:quiz_attempt", "learning:submission_file",
        "community:question", "community:reviews", "teaching:students", "payments:checkout",
        "notifications:list", "account_login", "account_email",
    ):  # fmt: skip
        assert expected in names


@pytest.fixture(autouse=True)
def _webhook_configured(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_sweep"  # unconfigured, the webhook is a deliberate 503


@pytest.mark.parametrize("who", ["anonymous", "student", "instructor"])
def test_bad_query_and_form_values_are_never_a_500(world, who):
    failures = []
    kwargs = {**valid_kwargs(world), **OTHER_VALUES}  # before a POST deletes what they name
    for route in SITE_ROUTES:
        clients = _clients(world)  # again for each page: a log-out page logs the client out
        client = clients[who]
        url = quoted(route.path(_fill(kwargs, route)))
        read, fields = parameters_read_by(route.callback)
        for bad in BAD_VALUES:
            everything = dict.fromkeys(COMMON_PARAMETERS | read | fields, bad)
            for method, target, data in (("get", url + query(everything), None), ("post", url, everything)):
                failures.append(failure(method, target, request(client, method, target, data)))
        for name in sorted(read):  # one at a time, so an early 400 hides no later 500
            for bad in BAD_VALUES:
                target = url + query({name: bad})
                failures.append(failure("get", target, request(client, "get", target)))
                failures.append(failure("post", url, request(client, "post", url, {name: bad})))
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


def test_bad_path_values_are_never_a_500(world):
    failures = []
    kwargs = {**valid_kwargs(world), **OTHER_VALUES}
    for route in SITE_ROUTES:
        valid = _fill(kwargs, route)
        clients = _clients(world)
        del clients["anonymous"]  # sent to log in before any lookup, or a public page the others see too
        for name, converter in route.converters.items():
            for bad in BAD_PATH_VALUES.get(converter, ["abc"]):
                url = quoted(route.path({**valid, name: bad}))
                for who, client in clients.items():
                    for method in ("get", "post"):
                        failures.append(failure(method, f"{url} as {who}", request(client, method, url)))
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


def test_an_id_beyond_64_bits_in_a_path_is_a_404_before_any_query(world, django_assert_num_queries):
    client = _clients(world)["student"]
    url = f"/courses/{world.course.slug}/lessons/{10**30}/quiz/attempts/1/"
    with django_assert_num_queries(3):  # the 404 page: session, user, unread badge; no lookup
        assert client.get(url).status_code == 404
    assert client.get(f"/submissions/{2**63}/file/").status_code == 404
    assert client.get(f"/courses/{world.course.slug}/lessons/{world.text.pk}/").status_code == 200


@pytest.mark.parametrize(
    "query_string",
    [f"course__id__exact={10**30}", f"id__in=1,{10**30}", "status__exact=ab%00c", "q=%00"],
)
def test_the_admin_answers_unusable_filters_with_a_400(world, query_string):
    client = Client()
    client.force_login(world.superuser)
    response = client.get(f"/admin/learning/submission/?{query_string}")
    assert response.status_code == 400
    assert client.get("/admin/learning/submission/?course=abc").status_code == 302  # the ?e=1 redirect
