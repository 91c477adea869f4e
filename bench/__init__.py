"""`make bench`: Doctrina's pages under load, as production serves them (see bench/run.py)."""
