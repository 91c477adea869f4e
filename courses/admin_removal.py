"""Deleting lessons and modules in the admin: what students worked on is
archived, the rest deleted (courses.services.archive), and the confirmation
page says which will happen to each before the instructor confirms. The
delete page, the "Delete selected" action and the services behind
`delete_model`/`delete_queryset` all take that one path. Superusers see
archived content (a "Curriculum" filter) and restore it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.db.models import Q, QuerySet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from courses import policies
from courses.services import Removal

CONFIRMATION_TEMPLATE = "admin/courses/removal_confirmation.html"
ARCHIVED_CHANGE_MESSAGE = "Archived instead of deleted: students had worked on it. Their work is kept."


class CurriculumListFilter(admin.SimpleListFilter):
    """For superusers: in the curriculum, or archived."""

    title = "curriculum"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", "In the curriculum"), ("yes", "Archived")]

    def queryset(self, request, queryset):
        archived = self.model_admin_archived_q
        if self.value() == "yes":
            return queryset.filter(archived)
        if self.value() == "no":
            return queryset.exclude(archived)
        return queryset

    def __init__(self, request, params, model, model_admin):
        self.model_admin_archived_q = model_admin.archived_q
        super().__init__(request, params, model, model_admin)


class ArchiveInsteadOfDeleteMixin:
    """For a ModelAdmin of Lesson or Module (before OwnedByInstructorAdmin in the bases).

    Subclasses name the services: `removal_plan(queryset) -> Removal` (a read),
    `removal(queryset) -> Removal` (the write) and `restore(queryset) -> list`,
    and `archived_q`, the rows out of the curriculum."""

    removal_plan: Callable[[QuerySet], Removal]
    removal: Callable[[QuerySet], Removal]
    restore: Callable[[QuerySet], list]
    archived_q: Q
    actions = ["delete_selected", "restore_selected"]  # this delete_selected replaces the site's

    # --- What a superuser sees of the archive ---------------------------------------

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if policies.can_restore_archived(request.user):
            filters.append(CurriculumListFilter)
        return filters

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if policies.can_restore_archived(request.user):
            columns.append("archived_at")
        return columns

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not policies.can_restore_archived(request.user):
            actions.pop("restore_selected", None)
        return actions

    @admin.action(description="Restore selected %(verbose_name_plural)s to the curriculum")
    def restore_selected(self, request, queryset):
        if not policies.can_restore_archived(request.user):
            return None
        restored = self.restore(queryset)
        for obj in restored:
            self.log_change(request, obj, "Restored to the curriculum.")
        names = ", ".join(f"“{obj}”" for obj in restored) or "nothing (none of them was archived)"
        self.message_user(
            request,
            f"Restored {names}. Every student's progress in their courses was recomputed.",
            messages.SUCCESS,
        )
        return None

    # --- Removing -------------------------------------------------------------------

    def delete_model(self, request, obj):
        self.removal(self.model._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        self.removal(queryset)

    def _removed(self, request, removal: Removal) -> None:
        """Log and tell what a removal did."""
        for obj in removal.archived:
            self.log_change(request, obj, ARCHIVED_CHANGE_MESSAGE)
        if removal.deleted:
            self.log_deletions(request, removal.deleted)
        opts = self.model._meta
        if removal.archived:
            names = ", ".join(f"“{obj}”" for obj in removal.archived)
            kind = opts.verbose_name_plural if len(removal.archived) > 1 else opts.verbose_name
            self.message_user(
                request,
                f"Archived the {kind} {names}: students have worked on it, so it left the curriculum "
                "and their progress, quiz attempts, submissions and questions are kept. Their "
                "percentages were recomputed. A superuser can restore it.",
                messages.SUCCESS,
            )
        if removal.deleted:
            names = ", ".join(f"“{obj}”" for obj in removal.deleted)
            self.message_user(request, f"Deleted {names}.", messages.SUCCESS)

    def _confirmation(self, request, plan: Removal, *, obj=None, queryset=None) -> TemplateResponse:
        opts = self.model._meta
        deleted_objects, model_count, perms_needed, _ = self.get_deleted_objects(plan.deleted, request)
        if plan.archived and not plan.deleted:
            title = f"Archive {opts.verbose_name if obj else opts.verbose_name_plural}"
        elif plan.deleted and not plan.archived:
            title = f"Delete {opts.verbose_name if obj else opts.verbose_name_plural}"
        else:
            title = f"Archive or delete {opts.verbose_name_plural}"
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": opts,
            "object": obj,
            "queryset": queryset,
            "plan": plan,
            "deleted_objects": deleted_objects,
            "model_count": dict(model_count).items(),
            "perms_lacking": perms_needed,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
            "preserved_filters": self.get_preserved_filters(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, CONFIRMATION_TEMPLATE, context)

    @admin.action(
        permissions=["delete"],
        description="Delete selected %(verbose_name_plural)s (archives those students worked on)",
    )
    def delete_selected(self, request, queryset):
        if request.POST.get("post"):
            self._removed(request, self.removal(queryset))
            return None  # back to the list
        return self._confirmation(request, self.removal_plan(queryset), queryset=queryset)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_delete_permission(request, obj):
            return super().delete_view(request, object_id, extra_context)  # Django's redirect or 403
        one = self.model._default_manager.filter(pk=obj.pk)
        if request.method == "POST":
            self._removed(request, self.removal(one))
            opts = self.model._meta
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=self.admin_site.name
            )
            preserved = {"preserved_filters": self.get_preserved_filters(request), "opts": opts}
            return HttpResponseRedirect(add_preserved_filters(preserved, url))
        return self._confirmation(request, self.removal_plan(one), obj=obj)
