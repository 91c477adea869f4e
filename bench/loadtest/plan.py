"""What the Locust users need to know, written to a JSON file before the run: the accounts they log
in with (made here, one password hash for all), the catalogue's courses and preview lessons, the
lessons of the free courses with each quiz's right answers, the paid courses, and where the fake
Stripe is. The demo catalogue itself comes from `manage.py seed_demo`. Imports models: call after
django.setup()."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth.hashers import make_password

from courses.models import Choice, Course, Lesson
from courses.quizzes import field_name
from lms.models import User

PASSWORD = "loadtest-password-not-secret"
DOMAIN = "loadtest.example"
ACCOUNTS = 3_000  # students and buyers each take fresh ones as they go


def accounts_create(count: int = ACCOUNTS) -> list[str]:
    emails = [f"load{n:05d}@{DOMAIN}" for n in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    password = make_password(PASSWORD)
    User.objects.bulk_create(
        [
            User(email=email, password=password, first_name="Load", last_name=f"Tester {n}")
            for n, email in enumerate(emails)
            if email not in existing
        ],
        batch_size=1_000,
    )
    return emails


def _lesson(lesson: Lesson) -> dict:
    entry = {"id": lesson.pk, "kind": lesson.kind, "preview": lesson.is_preview}
    quiz = getattr(lesson, "quiz", None)
    if quiz is not None:
        entry["answers"] = {
            field_name(question.pk): [
                str(c.pk) for c in Choice.objects.filter(question=question, is_correct=True).order_by("pk")
            ]
            for question in quiz.questions.order_by("pk")
        }
    return entry


def plan_write(path: Path, *, fake_stripe: dict[str, str]) -> dict:
    emails = accounts_create()
    courses = []
    for course in Course.objects.published().order_by("pk"):
        lessons = Lesson.objects.filter(module__course=course).in_curriculum_order().select_related("quiz")
        courses.append(
            {
                "slug": course.slug,
                "free": course.is_free,
                "lessons": [_lesson(lesson) for lesson in lessons],
            }
        )
    plan = {
        "password": PASSWORD,
        "students": emails[: len(emails) // 2],
        "buyers": emails[len(emails) // 2 :],
        "courses": courses,
        "stripe": fake_stripe,
    }
    path.write_text(json.dumps(plan, indent=1))
    return plan
