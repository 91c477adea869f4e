from django import template

from courses.durations import format_duration
from courses.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    return render_markdown(text)


@register.filter
def duration(seconds: int | None) -> str:
    return format_duration(seconds)
