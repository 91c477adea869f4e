"""Modules: a module's own page, its lessons in a compact table (each opens its
own page for its content); ordering across modules is the course's tree."""

from adminsortable2.admin import SortableAdminBase, SortableInlineAdminMixin
from django.contrib import admin
from django.db.models import Count, Q

from courses import policies
from courses.admin.base import CurriculumInlineMixin, OwnedByInstructorAdmin
from courses.admin.forms import LessonAdminForm
from courses.admin.tree import BackToCurriculumMixin
from courses.admin_removal import ArchiveInsteadOfDeleteMixin
from courses.models import Lesson, Module
from courses.services import (
    lessons_renumber,
    module_save,
    modules_delete_or_archive,
    modules_removal_plan,
    modules_restore,
)


class LessonInline(CurriculumInlineMixin, SortableInlineAdminMixin, admin.TabularInline):
    model = Lesson
    form = LessonAdminForm
    fields = ["title", "kind", "duration", "is_preview", "order"]
    extra = 0
    show_change_link = True  # its content, video or quiz are edited on the lesson's page


@admin.register(Module)
class ModuleAdmin(
    BackToCurriculumMixin, ArchiveInsteadOfDeleteMixin, SortableAdminBase, OwnedByInstructorAdmin
):
    inlines = [LessonInline]
    # The schedule (drip): one of the two, or neither; the model's constraint says so on the form.
    fields = ["course", "title", "description", ("opens_after_days", "opens_on")]
    list_display = ["title", "course", "order", "lesson_count"]
    list_select_related = ["course"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "course__title"]

    def course_id_of(self, obj) -> int:
        return obj.course_id

    def editable_queryset(self, request):
        return policies.modules_editable_by(request.user).annotate(_lesson_count=Count("lessons"))

    @admin.display(description="Lessons", ordering="_lesson_count")
    def lesson_count(self, obj) -> int:
        return obj._lesson_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            kwargs["queryset"] = policies.courses_editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        module_save(module=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        lessons_renumber(module=form.instance)  # lessons added, reordered or deleted inline

    archived_q = Q(archived_at__isnull=False)

    def removal_plan(self, queryset):
        return modules_removal_plan(modules=queryset)

    def removal(self, queryset):
        return modules_delete_or_archive(modules=queryset)

    def restore(self, queryset):
        return modules_restore(modules=queryset)
