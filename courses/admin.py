"""Instructors author their curriculum here. Every queryset, permission and
foreign-key choice goes through `courses.policies`, so an instructor only ever
meets their own courses, modules and lessons."""

from adminsortable2.admin import CustomInlineFormSet, SortableAdminBase, SortableInlineAdminMixin
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from courses import policies
from courses.admin_removal import ArchiveInsteadOfDeleteMixin
from courses.models import Category, Choice, Course, Lesson, Module, Question, Quiz
from courses.quizzes import question_answer_errors
from courses.services import (
    CourseHasStudentWork,
    category_save,
    course_delete,
    course_save,
    lesson_save,
    lessons_delete_or_archive,
    lessons_removal_plan,
    lessons_renumber,
    lessons_restore,
    module_save,
    modules_delete_or_archive,
    modules_removal_plan,
    modules_renumber,
    modules_restore,
    question_save,
    quiz_save,
)
from courses.student_work import student_work_counts, touched_ids
from lms.models import User


class OwnedByInstructorAdmin(admin.ModelAdmin):
    """Object-level permissions from the policy: an object outside the user's
    editable set is neither viewable, changeable nor deletable."""

    def editable_queryset(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        return self.editable_queryset(request)

    def _owns(self, request, obj) -> bool:
        return obj is None or self.editable_queryset(request).filter(pk=obj.pk).exists()

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


class ModuleInline(CurriculumInlineMixin, SortableInlineAdminMixin, admin.TabularInline):
    model = Module
    fields = ["title", "description", "order"]
    extra = 0
    show_change_link = True  # lessons are edited on the module's page


class LessonInline(CurriculumInlineMixin, SortableInlineAdminMixin, admin.StackedInline):
    model = Lesson
    fields = [
        ("title", "kind", "duration", "is_preview"),
        "description",
        ("video_url", "video_id"),
        "content",
        "order",
    ]
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
class CourseAdmin(SortableAdminBase, OwnedByInstructorAdmin):
    inlines = [ModuleInline]
    list_display = ["title", "status", "price", "currency", "instructor", "module_count", "updated_at"]
    filter_horizontal = ["categories"]
    list_select_related = ["instructor"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = None

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
            "price", "currency", "thumbnail_url", "status",
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
        modules_renumber(course=form.instance)


@admin.register(Module)
class ModuleAdmin(ArchiveInsteadOfDeleteMixin, SortableAdminBase, OwnedByInstructorAdmin):
    inlines = [LessonInline]
    fields = ["course", "title", "description"]
    list_display = ["title", "course", "order", "lesson_count"]
    list_select_related = ["course"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "course__title"]

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


@admin.register(Lesson)
class LessonAdmin(ArchiveInsteadOfDeleteMixin, OwnedByInstructorAdmin):
    fields = [
        "module", "title", "kind", "duration", "is_preview", "description",
        "video_url", "video_id", "content",
    ]  # fmt: skip
    list_display = ["title", "module", "course_title", "kind", "duration", "is_preview", "order"]
    list_select_related = ["module__course"]
    list_filter = ["kind", "is_preview"]
    search_fields = ["title", "module__title", "module__course__title"]

    def editable_queryset(self, request):
        return policies.lessons_editable_by(request.user)

    @admin.display(description="Course", ordering="module__course__title")
    def course_title(self, obj) -> str:
        return obj.module.course.title

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "module":
            kwargs["queryset"] = policies.modules_editable_by(request.user).select_related("course")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        lesson_save(lesson=obj)

    archived_q = Q(archived_at__isnull=False) | Q(module__archived_at__isnull=False)

    def removal_plan(self, queryset):
        return lessons_removal_plan(lessons=queryset)

    def removal(self, queryset):
        return lessons_delete_or_archive(lessons=queryset)

    def restore(self, queryset):
        return lessons_restore(lessons=queryset)


class QuestionInline(SortableInlineAdminMixin, admin.TabularInline):
    """Questions in order on the quiz's page. A question is written with its
    choices on its own page (so it is never saved unanswerable); here it is
    ordered, re-weighted or deleted."""

    model = Question
    fields = ["prompt", "kind", "points", "order"]
    readonly_fields = ["prompt", "kind"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Quiz)
class QuizAdmin(SortableAdminBase, OwnedByInstructorAdmin):
    inlines = [QuestionInline]
    fields = [
        "lesson", "pass_mark", "max_attempts", "time_limit_minutes", "shuffle_questions",
        "show_answers", "add_question_link",
    ]  # fmt: skip
    readonly_fields = ["add_question_link"]
    list_display = [
        "__str__",
        "course_title",
        "pass_mark",
        "max_attempts",
        "time_limit_minutes",
        "question_count",
    ]
    list_select_related = ["lesson__module__course"]
    search_fields = ["lesson__title", "lesson__module__course__title"]

    def editable_queryset(self, request):
        return policies.quizzes_editable_by(request.user).annotate(_question_count=Count("questions"))

    @admin.display(description="Course", ordering="lesson__module__course__title")
    def course_title(self, obj) -> str:
        return obj.lesson.module.course.title

    @admin.display(description="Questions", ordering="_question_count")
    def question_count(self, obj) -> int:
        return obj._question_count

    @admin.display(description="Questions")
    def add_question_link(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "Save the quiz, then add its questions."
        url = reverse("admin:courses_question_add") + f"?quiz={obj.pk}"
        return format_html('<a class="addlink" href="{}">Add a question</a>', url)

    def save_model(self, request, obj, form, change):
        quiz_save(quiz=obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lesson":
            kwargs["queryset"] = (
                policies.lessons_editable_by(request.user)
                .filter(kind=Lesson.Kind.QUIZ)
                .select_related("module__course")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ChoiceInlineFormSet(CustomInlineFormSet):
    """Refuses a question that could not be answered right. (Built on
    sortable2's formset, which carries the drag-and-drop order.)"""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form) and form.cleaned_data.get("text")
        ]
        errors = question_answer_errors(
            kind=self.instance.kind,
            correct_count=sum(1 for form in kept if form.cleaned_data.get("is_correct")),
            choice_count=len(kept),
        )
        if errors:
            raise ValidationError(errors)


class ChoiceInline(SortableInlineAdminMixin, admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ["text", "is_correct", "order"]
    extra = 2


@admin.register(Question)
class QuestionAdmin(SortableAdminBase, OwnedByInstructorAdmin):
    inlines = [ChoiceInline]
    fields = ["quiz", "kind", "prompt", "explanation", "points"]
    list_display = ["__str__", "quiz", "kind", "points", "order"]
    list_select_related = ["quiz__lesson"]
    list_filter = ["kind"]
    search_fields = ["prompt", "quiz__lesson__title"]

    def editable_queryset(self, request):
        return policies.questions_editable_by(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "quiz":
            kwargs["queryset"] = policies.quizzes_editable_by(request.user).select_related("lesson")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        question_save(question=obj)
