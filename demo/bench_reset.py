"""`seed_bench --reset`: delete the bench rows (course slugs starting `bench-`,
accounts at BENCH_DOMAIN) and only those, in the order their protections need."""

from __future__ import annotations

from django.db import models, transaction

from courses.models import Course
from demo.bench_data import BENCH_DOMAIN, SLUG_PREFIX
from lms.models import User
from payments.models import Purchase, Refund


def bench_users() -> models.QuerySet:
    return User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")


@transaction.atomic
def bench_data_delete() -> None:
    courses = Course.objects.filter(slug__startswith=SLUG_PREFIX)
    users = bench_users()
    # Purchases protect their user and course, refunds their purchase; the webhook
    # events that point at them are kept (the foreign key is set to NULL).
    purchases = Purchase.objects.filter(models.Q(course__in=courses) | models.Q(user__in=users))
    Refund.objects.filter(purchase__in=purchases).delete()
    purchases.delete()
    # A course never cascades through its students' work (it is protected): the
    # bench students go first, taking their enrollments, progress and reviews.
    users.filter(courses_taught__isnull=True).delete()
    courses.delete()
    users.delete()
