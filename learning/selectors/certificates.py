"""Reads about certificates."""

from __future__ import annotations

import re

from django.db.models import Expression, OuterRef, Subquery

from enrollments.models import Enrollment
from learning.models import Certificate
from lms.sql import precompiled

# What `certificate_code` makes (token_urlsafe): anything else is not a code,
# and is refused before the query (a NUL byte would be an error on PostgreSQL).
CODE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def certificate_get(*, code: str) -> Certificate | None:
    """The certificate with this verification code, with its enrollment (one query)."""
    if not CODE_RE.fullmatch(code):
        return None
    return Certificate.objects.select_related("enrollment").filter(code=code).first()


def certificate_code_expression() -> Expression:
    """The code of the certificate of the enrollment row it is annotated on
    (None before completion). Compiled once per process (lms/sql.py)."""
    return precompiled(Enrollment, _certificate_code)


def _certificate_code() -> Expression:
    return Subquery(Certificate.objects.filter(enrollment=OuterRef("pk")).values("code")[:1])
