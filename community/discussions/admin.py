"""Discussions in the admin, for moderation: the course's instructor (and
staff) see the questions and replies of their courses, read-only, and hide a
post with a reason or show it again, through `post_hide`/`post_show` like
the pages, which tell the author. Posts are written on the site, never here."""

from django.contrib import admin

from community.discussions.models import Question, Reply
from community.discussions.policies import questions_moderated_by, replies_moderated_by
from community.discussions.services import post_hide, post_show
from lms.admin_mixins import ModerationForm

POST_FIELDS = ["author", "body", "created_at", "edited_at"]
MODERATION_FIELDS = ["hidden", "hidden_reason", "hidden_at", "hidden_by"]


class PostModerationForm(ModerationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "hidden"
        ].help_text = (
            "Its text leaves the site (“hidden by the instructor”); a hidden question leaves the lists."
        )


class PostAdmin(admin.ModelAdmin):
    """What the question and reply admins share; `moderated_by(user)` is the policy's queryset."""

    form = PostModerationForm
    moderated_by = staticmethod(questions_moderated_by)
    list_filter = [("hidden_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "created_at"
    readonly_fields = [*POST_FIELDS, "hidden_at", "hidden_by"]

    def get_queryset(self, request):
        return self.moderated_by(request.user).select_related("author", *self.list_select_related)

    def has_add_permission(self, request):
        return False  # posts are written on the site

    def has_delete_permission(self, request, obj=None):
        return False  # hide instead: the author is told why, and it can be shown again

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self.moderated_by(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self.moderated_by(request.user).filter(pk=obj.pk).exists()

    @admin.display(description="Author", ordering="author__email")
    def author_email(self, obj) -> str:
        return obj.author.email if obj.author else "(account deleted)"

    @admin.display(description="Hidden", boolean=True, ordering="hidden_at")
    def is_hidden_display(self, obj) -> bool:
        return obj.is_hidden

    def save_model(self, request, obj, form, change):
        if form.cleaned_data["hidden"]:
            post_hide(post=obj, by=request.user, reason=form.cleaned_data["hidden_reason"])
        else:
            post_show(post=obj)


@admin.register(Question)
class QuestionAdmin(PostAdmin):
    list_display = ["title", "lesson", "course", "author_email", "created_at", "is_hidden_display"]
    list_select_related = ["lesson__module__course"]
    search_fields = ["title", "body", "author__email", "lesson__module__course__title"]
    fields = ["lesson", "title", *POST_FIELDS, *MODERATION_FIELDS]
    readonly_fields = ["lesson", "title", *PostAdmin.readonly_fields]

    @admin.display(description="Course", ordering="lesson__module__course__title")
    def course(self, obj: Question) -> str:
        return obj.lesson.module.course.title


@admin.register(Reply)
class ReplyAdmin(PostAdmin):
    moderated_by = staticmethod(replies_moderated_by)
    list_display = ["__str__", "question", "author_email", "created_at", "is_accepted", "is_hidden_display"]
    list_select_related = ["question"]
    search_fields = ["body", "author__email", "question__title"]
    fields = ["question", *POST_FIELDS, "accepted_at", *MODERATION_FIELDS]
    readonly_fields = ["question", "accepted_at", *PostAdmin.readonly_fields]

    @admin.display(description="Answer", boolean=True, ordering="accepted_at")
    def is_accepted(self, obj: Reply) -> bool:
        return obj.is_accepted
