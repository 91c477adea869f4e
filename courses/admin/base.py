"""What the courses app's admin classes share: object-level permissions from
`courses.policies`, and the curriculum inlines' archive-aware delete box."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from courses.student_work import touched_ids


class OwnedByInstructorAdmin(admin.ModelAdmin):
    """Object-level permissions from the policy: an object outside the user's
    editable set is neither viewable, changeable nor deletable."""

    def editable_queryset(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        return self.editable_queryset(request)

    def _owns(self, request, obj) -> bool:
        if obj is None:
            return True
        # A change page asks for each permission several times: one query per object and request.
        answers = request.__dict__.setdefault("_owns_answers", {})
        key = (self.model, obj.pk)
        if key not in answers:
            answers[key] = self.editable_queryset(request).filter(pk=obj.pk).exists()
        return answers[key]

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._owns(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._owns(request, obj)


class CurriculumInlineMixin:
    """An inline of a course's modules or a module's lessons: only what is in the
    curriculum. Its delete box removes only what no student has worked on; the
    rest is archived from its own Delete page, which says so before confirming."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(archived_at__isnull=True)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        model = self.model

        class CurriculumForm(formset.form):
            def hand_clean_DELETE(self):
                # Replaces Django's list of "protected related objects" (every student's row).
                wants_delete = self.cleaned_data.get("DELETE") and not self.instance._state.adding
                if wants_delete and touched_ids(model, [self.instance.pk]):
                    raise ValidationError(
                        f"Students have worked on “{self.instance}”, so it cannot be deleted here. Open it "
                        "and use Delete: it will be archived, keeping their work, and the page says so "
                        "before you confirm."
                    )

        formset.form = CurriculumForm
        return formset
