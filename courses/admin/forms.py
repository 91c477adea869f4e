"""The admin's course and lesson forms: a lesson's length typed in minutes,
and the publishing checks said on the course's status."""

from __future__ import annotations

import copy
import re
from decimal import Decimal, InvalidOperation

from django import forms

from courses.models import Course, Lesson
from courses.publishing import course_publish_problems

_HOURS_MINUTES = re.compile(r"(\d{1,2}):([0-5]\d)", re.ASCII)
_MINUTES = re.compile(r"\d{1,4}(?:[.,]\d{1,2})?", re.ASCII)


def format_minutes(seconds: int | None) -> str:
    """Seconds as the admin shows them to be edited: 720 -> "12", 5400 -> "1:30",
    and, for a length that is not whole minutes, minutes to two places: 45 -> "0.75"
    (which reads back as the same seconds)."""
    seconds = max(int(seconds or 0), 0)
    if seconds % 60:
        return f"{Decimal(seconds) / 60:.2f}".rstrip("0").rstrip(".")
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours}:{minutes:02d}" if hours else str(minutes)


class MinutesDurationField(forms.Field):
    """A length typed in minutes ("12", "7.5") or hours and minutes ("1:30"),
    cleaned to whole seconds (Lesson.duration is in seconds). Empty is 0."""

    widget = forms.TextInput(attrs={"size": "7", "autocomplete": "off", "class": "duration-minutes"})
    default_error_messages = {
        "invalid": "Enter minutes (12, or 7.5) or hours and minutes (1:30).",
        "max": "A lesson lasts at most %(max)s hours.",
    }

    def __init__(self, *, max_seconds: int = 24 * 3600, **kwargs):
        self.max_seconds = max_seconds
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Duration")
        kwargs.setdefault("help_text", "In minutes (12), or hours and minutes (1:30).")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str) or value is None:
            return value or ""  # what was typed, shown back with its error
        return format_minutes(value)

    def to_python(self, value) -> int:
        text = str(value or "").strip()
        if not text:
            return 0
        if match := _HOURS_MINUTES.fullmatch(text):
            seconds = int(match[1]) * 3600 + int(match[2]) * 60
        elif _MINUTES.fullmatch(text):
            try:
                seconds = int((Decimal(text.replace(",", ".")) * 60).to_integral_value())
            except InvalidOperation:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if seconds > self.max_seconds:
            raise forms.ValidationError(
                self.error_messages["max"], code="max", params={"max": self.max_seconds // 3600}
            )
        return seconds


class LessonAdminForm(forms.ModelForm):
    duration = MinutesDurationField()

    class Meta:
        model = Lesson
        fields = ["duration"]  # the admin names the rest (its fieldsets, an inline's fields)


class CourseAdminForm(forms.ModelForm):
    """Refuses "Published" while the course may not be published, with the reasons
    on the status field (`courses.publishing`, which `course_save` applies too)."""

    class Meta:
        model = Course
        fields = ["status"]  # the admin names the rest (CourseAdmin.get_fields)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Course.Status.PUBLISHED:
            course = copy.copy(self.instance)  # as it would be saved, without touching the form's own
            for name in ("description", "price", "currency"):
                if name in cleaned:
                    setattr(course, name, cleaned[name])
            for problem in course_publish_problems(course=course):
                self.add_error("status", problem)
        return cleaned
