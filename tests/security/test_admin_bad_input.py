"""Bad input in the admin is a 400, a form error, the changelist's "?e=1"
redirect or a 404, never a 500. Generated from the registered ModelAdmins: for
each, the changelist with every filter's parameters (read from the page's own
filter specs), ordering, paging and search given bad values, the change,
delete and history views with bad primary keys, and the add form posted with
bad values in every field; as a superuser and as an instructor."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.security.sweep import BAD_VALUES, failure, query, request

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
BAD_PKS = ["abc", "%00", "9" * 30, "-1", "a" * 2000]
# Parameters every changelist reads besides its filters: ordering, page, search,
# the "incorrect lookup" flag, popups, the to-field of a popup, "show all".
CHANGELIST_PARAMETERS = ["o", "p", "q", "e", "_popup", "_to_field", "all"]
# Every field of a form gets the same value ("-1" is left out here: each field
# refuses it as it refuses letters, and the sweep has to stay fast).
FORM_BAD_VALUES = [value for value in BAD_VALUES if value != "-1"]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _filter_parameters(client, changelist_url) -> set[str]:
    response = client.get(changelist_url)
    if response.status_code != 200:
        return set()
    names = set()
    for spec in response.context["cl"].filter_specs:
        names |= set(spec.expected_parameters())
    return names


def _field_lookups(model) -> list[tuple[str, str]]:
    """`?<field>__exact=` for every concrete field, with letters and with a number beyond any id."""
    lookups = []
    for field in model._meta.get_fields():
        if getattr(field, "concrete", False):
            lookups += [(f"{field.attname}__exact", "abc"), (f"{field.attname}__exact", str(10**30))]
    return lookups


@pytest.mark.parametrize("who", ["superuser", "instructor"])
def test_changelists_survive_bad_filters_ordering_paging_and_search(world, who):
    client = _client(world.superuser if who == "superuser" else world.instructor)
    failures = []
    for model, _model_admin in MODEL_ADMINS:
        url = _url(model, "changelist")
        parameters = _filter_parameters(client, url)
        lookups = [
            (name, bad) for name in sorted(parameters | set(CHANGELIST_PARAMETERS)) for bad in BAD_VALUES
        ]
        if who == "superuser":  # the same lookups run for everyone; the filters' choices differ
            lookups += _field_lookups(model)
        for name, bad in lookups:
            target = url + query({name: bad})
            failures.append(failure("get", target, request(client, "get", target)))
        for target in (
            url + "?o=abc",
            url + "?p=abc",
            url + "?q=%00",
            url + "?e=1",
            url + "?o=1.-x.99",
            url + f"?id__in=1,{10**30}",
        ):
            failures.append(failure("get", target, request(client, "get", target)))
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("who", ["superuser", "instructor"])
def test_object_views_survive_bad_primary_keys(world, who):
    client = _client(world.superuser if who == "superuser" else world.instructor)
    failures = []
    for model, _model_admin in MODEL_ADMINS:
        for bad in BAD_PKS:
            for view in ("change", "delete", "history"):
                target = _url(model, view, "PK").replace("PK", bad)
                failures.append(failure("get", target, request(client, "get", target)))
            target = _url(model, "change", "PK").replace("PK", bad)
            failures.append(failure("post", target, request(client, "post", target, {"x": "y"})))
    for bad in BAD_PKS:
        for target in (f"/admin/r/{bad}/{bad}/", f"/admin/r/1/{bad}/"):
            failures.append(failure("get", target, request(client, "get", target)))
        target = "/admin/autocomplete/" + query(
            {"term": f"a{bad}", "app_label": "courses", "model_name": "lesson", "field_name": bad}
        )
        failures.append(failure("get", target, request(client, "get", target)))
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("who", ["superuser", "instructor"])
def test_add_and_change_forms_answer_bad_values_with_form_errors(world, who):
    client = _client(world.superuser if who == "superuser" else world.instructor)
    failures = []
    for model, model_admin in MODEL_ADMINS:
        targets = [_url(model, "add")]
        first = model_admin.get_queryset(_request_as(client, world, who)).first()
        if first is not None:
            targets.append(_url(model, "change", first.pk))
        for target in targets:
            response = client.get(target)
            if response.status_code != 200:
                continue  # not this user's to add or change
            form = response.context["adminform"].form
            names = set(form.fields)
            for formset in response.context.get("inline_admin_formsets", []):
                prefix = formset.formset.prefix
                names |= {f"{prefix}-TOTAL_FORMS", f"{prefix}-INITIAL_FORMS"}
                names |= {f"{prefix}-0-{name}" for name in formset.formset.form.base_fields}
            for bad in FORM_BAD_VALUES:
                data = dict.fromkeys(names, bad)
                failures.append(failure("post", target, request(client, "post", target, data)))
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


def _request_as(client, world, who):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = world.superuser if who == "superuser" else world.instructor
    return request
