"""Display filters every template may use: {% load doctrina %}."""

from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from lms.durations import format_duration_words
from lms.markdown import render_markdown, render_user_markdown, render_user_text
from lms.money import format_money
from lms.sections import sections_for

register = template.Library()


@register.filter
def markdown(text: str):
    return render_markdown(text)


@register.filter
def user_markdown(text: str):
    """What students write: the small Markdown subset (lms/markdown.py)."""
    return render_user_markdown(text)


@register.filter
def linked_text(text: str):
    """Plain text a student wrote (an assignment answer): paragraphs, line
    breaks and its URLs as links, nothing else (lms/markdown.py)."""
    return render_user_text(text)


@register.filter
def duration(seconds: int | None) -> str:
    """A length a student reads, in words: "6 h 42 min", "12 min", "45 s"."""
    return format_duration_words(seconds)


@register.filter
def ago(moment) -> str:
    """How long ago, in words: "just now" within the first minute, then "5 minutes ago"."""
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def days_until(moment) -> str:
    """How far off a day is, in words: "today", "tomorrow", "in 3 days" (calendar
    days in the site's time zone; "" for a day past or no moment)."""
    if moment is None:
        return ""
    days = (timezone.localdate(moment) - timezone.localdate()).days
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days" if days > 1 else "")


@register.filter
def price(course) -> str:
    """A course's price for display: "Free" or "$49.00"."""
    if course.price == 0:
        return "Free"
    return format_money(course.price, course.currency)


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """{{ purchase.amount|money:purchase.currency }} -> "$49.00", "€12.50", "¥4,900"."""
    if amount is None:
        return ""
    return format_money(amount, currency)


@register.simple_tag(takes_context=True)
def sections(context, slot: str) -> str:
    """{% sections "course_page.main" %}: the sections other apps registered for
    this slot of the page (lms/sections.py), each rendered like an {% include %}
    with its own context on top of the page's."""
    engine = context.template.engine
    parts = []
    for section in sections_for(slot):
        extra = section.context(context.flatten()) if section.context else {}
        if extra is None:
            continue
        with context.push(**extra):
            parts.append(engine.get_template(section.template).render(context))
    return mark_safe("".join(parts))  # noqa: S308 - each part is a rendered, autoescaped template
