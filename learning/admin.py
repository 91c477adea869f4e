"""Instructors review assignment submissions here: only those of their own
courses (`learning.policies.submissions_reviewable_by`), decided through
`submission_review`, which notifies the student and completes the lesson on a pass."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from courses.policies import courses_editable_by
from learning.models import Certificate, Submission
from learning.policies import certificates_viewable_by, submissions_reviewable_by
from learning.services.assignments import ReviewNotAllowed, submission_review, submission_review_refusal
from lms.admin_mixins import OfferedChoicesListFilter, ReadOnlyAdminMixin


class CourseFilter(OfferedChoicesListFilter):
    """The courses the user authors; `course_lookup` leads from a row to its course."""

    title = "course"
    parameter_name = "course"
    course_lookup = "lesson__module__course"

    def lookups(self, request, model_admin):
        return list(courses_editable_by(request.user).order_by("title").values_list("pk", "title"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.course_lookup}_id": self.value()})
        return queryset


class CertificateCourseFilter(CourseFilter):
    course_lookup = "enrollment__course"


class ReviewForm(forms.ModelForm):
    status = forms.ChoiceField(
        label="Decision",
        choices=[
            (Submission.Status.PASSED, "Pass"),
            (Submission.Status.NEEDS_WORK, "Needs work"),
        ],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Submission
        fields = ["status", "feedback"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        refusal = submission_review_refusal(submission=self.instance, status=status)
        if refusal:
            raise forms.ValidationError(refusal, code="already_passed")
        return status


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    form = ReviewForm
    list_display = ["lesson", "course_title", "user", "status", "submitted_at", "reviewed_at"]
    list_select_related = ["lesson__module__course", "user"]
    list_filter = [CourseFilter, "status"]
    search_fields = ["user__email", "lesson__title"]
    date_hierarchy = "submitted_at"
    fields = [
        "user",
        "lesson",
        "submitted_at",
        "text",
        "file_link",
        "status",
        "feedback",
        "reviewed_by",
        "reviewed_at",
    ]
    readonly_fields = ["user", "lesson", "submitted_at", "text", "file_link", "reviewed_by", "reviewed_at"]

    def get_queryset(self, request):
        return submissions_reviewable_by(request.user).select_related("lesson__module__course", "user")

    def _may_review(self, request, obj) -> bool:
        return obj is None or submissions_reviewable_by(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False  # students submit on the lesson page

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._may_review(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_review(request, obj)

    @admin.display(description="Course", ordering="lesson__module__course__title")
    def course_title(self, obj) -> str:
        return obj.lesson.module.course.title

    @admin.display(description="File")
    def file_link(self, obj) -> str:
        if not obj.file:
            return "—"
        url = reverse("learning:submission_file", kwargs={"submission_id": obj.pk})
        return format_html('<a href="{}">{}</a> ({} bytes)', url, obj.file_name, obj.file_size)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form catches a second pass first; this is for a reviewer who lost a
        # race to another. The admin's transaction has rolled back: nothing is written.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ReviewNotAllowed as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        # The decision goes through the service: notification, completion, locks.
        submission_review(
            submission=obj,
            reviewer=request.user,
            status=form.cleaned_data["status"],
            feedback=form.cleaned_data["feedback"],
        )


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Issued certificates, read-only: instructors see those of their own courses
    (`learning.policies.certificates_viewable_by`). Issued by completion only."""

    list_display = ["student_name", "course_title", "completed_at", "status", "code"]
    list_select_related = ["enrollment"]
    list_filter = [CertificateCourseFilter]
    search_fields = ["student_name", "course_title", "code", "enrollment__user__email"]
    date_hierarchy = "completed_at"
    fields = [
        "student_name",
        "course_title",
        "instructor_name",
        "completed_at",
        "issued_at",
        "status",
        "code",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return certificates_viewable_by(request.user).select_related("enrollment")

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or certificates_viewable_by(request.user).filter(pk=obj.pk).exists()

    @admin.display(description="Status")
    def status(self, obj: Certificate) -> str:
        return "Revoked" if obj.is_revoked else "Valid"
