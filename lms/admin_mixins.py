"""What several apps' admin classes share."""

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters


class ReadOnlyAdminMixin:
    """Records the site writes itself (money, certificates, e-mail deliveries):
    the admin shows them and never adds, changes or deletes one."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ModerationForm(forms.ModelForm):
    """Hide a post (a review, a question, a reply) with a reason its author is
    told, or show it again. The model has `hidden_reason` and `is_hidden`; the
    ModelAdmin's save_model calls the app's hide or show service."""

    hidden = forms.BooleanField(label="Hidden", required=False)

    class Meta:
        fields = ["hidden_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hidden"].initial = self.instance.is_hidden

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hidden") and not (cleaned.get("hidden_reason") or "").strip():
            self.add_error("hidden_reason", "Say why: the author is told.")
        return cleaned


class OfferedChoicesListFilter(admin.SimpleListFilter):
    """A list filter that applies only the values it offers (its `lookups`).
    Anything else in the query string (letters for an id, another instructor's
    course) is an incorrect lookup, which Django's admin answers as it does a
    bad field filter: the list again, with "?e=1". Without this a filter passes
    the raw value to `.filter()`, and letters for an id are a 500."""

    def value(self):
        value = super().value()
        if value is not None and value not in {str(choice) for choice, _label in self.lookup_choices}:
            raise IncorrectLookupParameters(
                f"{self.parameter_name}={value[:50]!r} is not one of the choices."
            )
        return value
