from django import template

from courses.durations import format_duration
from courses.markdown import render_markdown
from lms.money import format_money

register = template.Library()


@register.filter
def markdown(text: str):
    return render_markdown(text)


@register.filter
def duration(seconds: int | None) -> str:
    return format_duration(seconds)


@register.filter
def price(course) -> str:
    """A course's price for display: "Free" or "$49.00"."""
    if course.price == 0:
        return "Free"
    return format_money(course.price, course.currency)
