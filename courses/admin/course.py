"""Categories (staff keep the list) and courses: a course's fields, the
publishing checks on its status (forms.CourseAdminForm), and its curriculum
tree (tree.py). Modules are added with a new course; after that they are
added, ordered and opened from the tree."""

from django.contrib import admin, messages
from django.db.models import Count

from courses import policies
from courses.admin.base import CurriculumInlineMixin, OwnedByInstructorAdmin
from courses.admin.forms import CourseAdminForm
from courses.admin.tree import CurriculumTreeMixin
from courses.models import Category, Course, Module
from courses.services import (
    CourseHasStudentWork,
    category_save,
    course_delete,
    course_save,
    modules_renumber,
)
from courses.student_work import student_work_counts
from lms.models import User


class ModuleInline(CurriculumInlineMixin, admin.TabularInline):
    """A new course's first modules, typed with it (its add page only: once saved,
    the curriculum tree shows them)."""

    model = Module
    fields = ["title", "description"]
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Staff keep the list (the Instructors group has no permission on it):
    instructors only pick from it on their course's form."""

    list_display = ["name", "slug", "order", "course_count"]
    list_editable = ["order"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_course_count=Count("courses"))

    def save_model(self, request, obj, form, change):
        category_save(category=obj)

    @admin.display(description="Courses", ordering="_course_count")
    def course_count(self, obj) -> int:
        return obj._course_count


@admin.register(Course)
class CourseAdmin(CurriculumTreeMixin, OwnedByInstructorAdmin):
    form = CourseAdminForm
    list_display = ["title", "status", "price", "currency", "instructor", "module_count", "updated_at"]
    filter_horizontal = ["categories"]
    list_select_related = ["instructor"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = None

    class Media:
        css = {"all": ["css/admin-authoring.css"]}
        js = ["vendor/sortablejs/Sortable.min.js", "js/curriculum-tree.js"]

    def get_inlines(self, request, obj):
        return [ModuleInline] if obj is None else []

    def editable_queryset(self, request):
        return policies.courses_editable_by(request.user).annotate(_module_count=Count("modules"))

    @admin.display(description="Modules", ordering="_module_count")
    def module_count(self, obj) -> int:
        return obj._module_count

    def get_list_filter(self, request):
        # Only the users who teach a course: every user would be one choice per student.
        instructor = ("instructor", admin.RelatedOnlyFieldListFilter)
        own = ["status", "categories", "level"]
        return [*own, instructor] if policies.can_choose_course_instructor(request.user) else own

    def get_fields(self, request, obj=None):
        fields = [
            "title", "slug", "subtitle", "description", "categories", "level", "language",
            "price", "currency", "image", "status",
        ]  # fmt: skip
        if policies.can_choose_course_instructor(request.user):
            fields.insert(0, "instructor")
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "instructor":
            kwargs["queryset"] = User.objects.filter(is_instructor=True) | User.objects.filter(
                is_superuser=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        course_save(course=obj, author=request.user)

    # A course students joined is never deleted (their enrollments, purchases,
    # reviews and work hang on it): the confirmation page refuses and says why.
    delete_confirmation_template = "admin/courses/course/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/courses/course/delete_selected_confirmation.html"

    def get_deleted_objects(self, objs, request):
        refusals = [
            f"“{course}”: " + ", ".join(f"{n} {name}" for name, n in counts)
            for course in objs
            if (counts := student_work_counts(Course, course.pk))
        ]
        if refusals:
            return [], {}, set(), refusals
        return super().get_deleted_objects(objs, request)

    def delete_model(self, request, obj):
        course_delete(course=obj)

    def delete_queryset(self, request, queryset):
        for course in queryset:
            try:
                course_delete(course=course)
            except CourseHasStudentWork as refusal:  # joined since the confirmation page
                self.message_user(request, f"“{course}” was not deleted: {refusal}.", messages.ERROR)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if formsets:  # modules typed with a new course
            modules_renumber(course=form.instance)
