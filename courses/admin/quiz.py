"""Quizzes and their questions: a quiz's questions in order on its page, each
question written with its choices on its own page."""

from adminsortable2.admin import CustomInlineFormSet, SortableAdminBase, SortableInlineAdminMixin
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from courses import policies
from courses.admin.base import OwnedByInstructorAdmin
from courses.models import Choice, Lesson, Question, Quiz
from courses.quizzes import question_answer_errors
from courses.services import question_save, quiz_save


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
