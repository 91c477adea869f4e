"""The job queue's table is vacuumed and analyzed every 1,000 changed rows on
PostgreSQL (lms migration 0003): a worker's claim must not walk dead rows."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL table setting"),
    pytest.mark.django_db,
]


def test_the_job_table_is_vacuumed_and_analyzed_every_thousand_changes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'django_tasks_database_dbtaskresult'")
        options = set(cursor.fetchone()[0] or [])
    assert options == {
        "autovacuum_vacuum_scale_factor=0",
        "autovacuum_vacuum_threshold=1000",
        "autovacuum_analyze_scale_factor=0",
        "autovacuum_analyze_threshold=1000",
    }
