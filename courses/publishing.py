"""When a course may be published: the one home of the rule. The admin's course
form shows these reasons on its status field, and `course_save` refuses to save
a published course that breaks it (seed_demo and any later caller included)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from courses.models import Course, Lesson
from lms.money import format_money


def course_price_max(*, currency: str) -> Decimal:
    """The highest price a course may be published at, in `currency`'s main unit
    (settings.COURSE_PRICE_MAX, or the currency's own entry in
    COURSE_PRICE_MAX_BY_CURRENCY for currencies with a small unit, such as yen)."""
    by_currency = {code.lower(): value for code, value in settings.COURSE_PRICE_MAX_BY_CURRENCY.items()}
    return Decimal(by_currency.get((currency or "").lower(), settings.COURSE_PRICE_MAX))


def course_publish_problems(*, course: Course) -> list[str]:
    """Why `course`, as it stands (its fields may be unsaved), may not be published;
    empty when it may. Lessons count when they are in the curriculum (archived
    ones, or those of an archived module, do not). One query when saved."""
    problems = []
    has_lessons = (
        course.pk is not None and Lesson.objects.in_curriculum().filter(module__course_id=course.pk).exists()
    )
    if not has_lessons:
        problems.append(
            "A course needs at least one lesson to be published: save it as a draft, add its modules "
            "and lessons, then publish it."
        )
    if not (course.description or "").strip():
        problems.append("A course needs a description to be published: say what students will learn.")
    if course.price is not None:
        maximum = course_price_max(currency=course.currency)
        if course.price > maximum:
            problems.append(
                f"The price is over the most a course may cost ({format_money(maximum, course.currency)}): "
                "check it for a typo."
            )
    return problems
