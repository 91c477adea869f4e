"""A read replica for the analytics (lms/db_routers.py): with DATABASE_REPLICA_URL set, the analytics
page's aggregates are read from the "replica" alias, everything else and every write from the primary.

The alias is added here as Django's test runner adds a TEST MIRROR: a second connection to the same
test database (settings define it so only when DATABASE_REPLICA_URL is set, and no other test wants
a second alias). A second connection sees only committed rows, so these tests commit
(`transaction=True`)."""

import csv
import io

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.transaction import atomic
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enrollments.models import Enrollment
from learning.models import LessonProgress
from lms.db_routers import REPLICA, read_alias, replica_configured, replica_reads
from payments.models import Purchase
from tests.factories import UserFactory

BOTH = [DEFAULT_DB_ALIAS, REPLICA]


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """The "replica" alias as a mirror of the test database (what `set_as_test_mirror` does), for
    this module only; module-scoped so that it exists before pytest-django checks `databases`."""
    with django_db_blocker.unblock():
        mirror = {**connections[DEFAULT_DB_ALIAS].settings_dict}
        mirror["TEST"] = {**mirror["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
        connections.settings[REPLICA] = mirror
        yield
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def _rating_refresh_in_a_transaction(monkeypatch):
    """`figures` refreshes the rating as its service asks, inside the write's transaction: here
    that is no longer the test's own (`transaction=True`)."""
    from community.services import course_rating_refresh

    monkeypatch.setattr("tests.teaching.conftest.course_rating_refresh", atomic(course_rating_refresh))


def test_reads_go_to_the_replica_only_inside_the_context_and_writes_never():
    assert replica_configured()
    assert router.db_for_read(Enrollment) == DEFAULT_DB_ALIAS
    with replica_reads():
        assert router.db_for_read(Enrollment) == REPLICA
        assert read_alias() == REPLICA
        assert router.db_for_write(Enrollment) == DEFAULT_DB_ALIAS
        assert Enrollment.objects.all().db == REPLICA
    assert router.db_for_read(Enrollment) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA, "enrollments") is False


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_write_inside_the_context_goes_to_the_primary():
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
        replica_reads(),
    ):
        user = UserFactory(email="written@example.com")
        user.first_name = "Ada"
        user.save(update_fields=["first_name"])
    assert any(q["sql"].startswith("INSERT") for q in primary.captured_queries)
    assert any(q["sql"].startswith("UPDATE") for q in primary.captured_queries)
    assert not [q for q in replica.captured_queries if not q["sql"].startswith("SELECT")]


def tables(queries) -> set[str]:
    return {
        table
        for q in queries
        for table in (
            "learning_lessonprogress",
            "enrollments_enrollment",
            "payments_purchase",
            "learning_quizattempt",
        )
        if table in q["sql"]
    }


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_analytics_aggregates_are_read_from_the_replica(client, instructor, figures):
    client.force_login(instructor)
    slug = figures.course.slug
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        page = client.get(reverse("teaching:analytics", args=[slug]))
        exported = client.get(reverse("teaching:analytics_csv", args=[slug]))
    assert page.status_code == 200
    assert "Check your plans" in page.content.decode()  # the curriculum, from the primary
    # The progress, enrollments, sales and quiz aggregates ran on the replica, none on the primary.
    assert tables(replica.captured_queries) == {
        "learning_lessonprogress",
        "enrollments_enrollment",
        "payments_purchase",
        "learning_quizattempt",
    }
    assert tables(primary.captured_queries) == set()
    # ... with the figures tests/teaching/test_analytics_csv.py works out by hand.
    rows = dict(csv.reader(io.StringIO(exported.content.decode())))
    assert rows["students_active"] == "6"
    assert rows["checkouts_paid"] == "8"


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_without_the_context_everything_reads_the_primary(figures):
    with CaptureQueriesContext(connections[REPLICA]) as replica:
        assert Enrollment.objects.filter(course=figures.course).count() == 8
        assert LessonProgress.objects.count() > 0
        assert Purchase.objects.filter(course=figures.course).exists()
    assert replica.captured_queries == []
