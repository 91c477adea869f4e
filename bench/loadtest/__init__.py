"""`make loadtest`: Locust against gunicorn on PostgreSQL, then invariants in SQL (see run.py)."""
