"""Lessons: the form shows the fields of the lesson's kind (a video's link for
a video lesson, the text of a text lesson, its quiz for a quiz…), its length
in minutes (forms.MinutesDurationField)."""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from courses import policies
from courses.admin.base import OwnedByInstructorAdmin
from courses.admin.forms import LessonAdminForm
from courses.admin.tree import BackToCurriculumMixin
from courses.admin_removal import ArchiveInsteadOfDeleteMixin
from courses.models import Lesson, Quiz
from courses.services import (
    lesson_save,
    lessons_delete_or_archive,
    lessons_removal_plan,
    lessons_restore,
)
from lms.durations import format_duration_words

Kind = Lesson.Kind
COMMON_FIELDSET = (None, {"fields": ["module", "title", "kind", ("duration", "is_preview"), "description"]})
VIDEO_FIELDS = ["video_url", "video_id"]
# What each kind's page shows under the common fields: (title, fields, what it is for).
KIND_FIELDSETS = {
    Kind.VIDEO: [
        ("Video", VIDEO_FIELDS, ""),
        ("Notes under the video", ["content"], "Optional, in Markdown: shown below the video."),
    ],
    Kind.TEXT: [("Text", ["content"], "The lesson itself, in Markdown.")],
    Kind.QUIZ: [
        ("Quiz", ["quiz_link"], ""),
        ("Introduction", ["content"], "Optional, in Markdown: shown above the quiz."),
    ],
    Kind.ASSIGNMENT: [
        (
            "Assignment",
            ["content"],
            "What students do and hand in, in Markdown. They send text or a file from the lesson's page; "
            "you review it under Submissions.",
        ),
    ],
}


def _fieldset(title, fields, description, classes=()):
    return (title, {"fields": fields, "description": description, "classes": list(classes)})


@admin.register(Lesson)
class LessonAdmin(BackToCurriculumMixin, ArchiveInsteadOfDeleteMixin, OwnedByInstructorAdmin):
    form = LessonAdminForm
    readonly_fields = ["quiz_link"]
    list_display = ["title", "module", "course_title", "kind", "duration_words", "is_preview", "order"]
    list_select_related = ["module__course"]
    list_filter = ["kind", "is_preview"]
    search_fields = ["title", "module__title", "module__course__title"]

    class Media:
        css = {"all": ["css/admin-authoring.css"]}
        js = ["js/lesson-kind-fields.js"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            # Every kind's fields, each fieldset marked with its kinds: static/js/lesson-kind-fields.js
            # shows those of the kind chosen (without JavaScript all stay shown).
            return [
                COMMON_FIELDSET,
                _fieldset("Video", VIDEO_FIELDS, "For a video lesson.", ["kind-fields", "for-kind-video"]),
                _fieldset(
                    "Content",
                    ["content"],
                    "In Markdown: a text lesson's text, the notes under a video, a quiz's introduction "
                    "or an assignment's instructions.",
                ),
                _fieldset("Quiz", ["quiz_link"], "", ["kind-fields", "for-kind-quiz"]),
            ]
        fieldsets = [COMMON_FIELDSET]
        for title, fields, description in KIND_FIELDSETS.get(obj.kind, KIND_FIELDSETS[Kind.TEXT]):
            fieldsets.append(_fieldset(title, fields, description))
        if obj.kind != Kind.VIDEO and (obj.video_url or obj.video_id):
            # Left from when it was a video lesson: students still see it, so it stays editable.
            leftover = "Students see this video above the lesson: clear it if it no longer belongs here."
            fieldsets.append(_fieldset("Video", VIDEO_FIELDS, leftover))
        return fieldsets

    def course_id_of(self, obj) -> int:
        return obj.module.course_id

    def editable_queryset(self, request):
        return policies.lessons_editable_by(request.user)

    @admin.display(description="Course", ordering="module__course__title")
    def course_title(self, obj) -> str:
        return obj.module.course.title

    @admin.display(description="Duration", ordering="duration")
    def duration_words(self, obj) -> str:
        return format_duration_words(obj.duration)

    @admin.display(description="Quiz")
    def quiz_link(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "Save the lesson, then write its quiz."
        if obj.kind != Kind.QUIZ:
            return "Only a quiz lesson has a quiz."
        quiz = Quiz.objects.filter(lesson=obj).first()
        if quiz is None:
            url = reverse("admin:courses_quiz_add") + f"?lesson={obj.pk}"
            return format_html('<a class="addlink" href="{}">Write the quiz</a>', url)
        url = reverse("admin:courses_quiz_change", args=[quiz.pk])
        return format_html('<a class="changelink" href="{}">Edit the quiz and its questions</a>', url)

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
