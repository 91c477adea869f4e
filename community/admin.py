"""Reviews in the admin. Staff (superusers, or a moderator with
`community.moderate_review`) hide a review with a reason, or show it again,
through `review_hide`/`review_show`, which tell the author and move the
figures. Instructors see the reviews of their own courses, read-only: they
answer on the course page, and never hide a review of their own course."""

from django.contrib import admin

from community.announcements import admin as announcements_admin  # noqa: F401 - registers it
from community.discussions import admin as discussions_admin  # noqa: F401 - registers it
from community.models import Review
from community.policies import can_moderate_reviews, reviews_visible_in_admin_to
from community.services import review_hide, review_show
from lms.admin_mixins import ModerationForm


class ReviewModerationForm(ModerationForm):
    class Meta(ModerationForm.Meta):
        model = Review

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hidden"].help_text = "Take it off the page and out of the figures."


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    form = ReviewModerationForm
    list_display = ["course", "author", "rating", "created_at", "is_hidden_display"]
    list_select_related = ["course", "user"]
    list_filter = ["rating", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["course__title", "user__email", "body"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "course",
        "user",
        "rating",
        "body",
        "created_at",
        "edited_at",
        "reply",
        "replied_at",
        "hidden_at",
        "hidden_by",
    ]

    def get_fields(self, request, obj=None):
        fields = ["course", "user", "rating", "body", "created_at", "edited_at", "reply", "replied_at"]
        if can_moderate_reviews(request.user):
            fields += ["hidden", "hidden_reason", "hidden_at", "hidden_by"]
        return fields

    def get_queryset(self, request):
        return reviews_visible_in_admin_to(request.user).select_related("course", "user")

    def has_add_permission(self, request):
        return False  # students write reviews on the course page

    def has_delete_permission(self, request, obj=None):
        return False  # hide instead: the author is told why, and it can be shown again

    def has_view_permission(self, request, obj=None):
        if not (super().has_view_permission(request, obj) or can_moderate_reviews(request.user)):
            return False
        return obj is None or reviews_visible_in_admin_to(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return can_moderate_reviews(request.user)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or can_moderate_reviews(request.user)

    @admin.display(description="Author", ordering="user__email")
    def author(self, obj: Review) -> str:
        return obj.user.email

    @admin.display(description="Hidden", boolean=True, ordering="hidden_at")
    def is_hidden_display(self, obj: Review) -> bool:
        return obj.is_hidden

    def save_model(self, request, obj, form, change):
        if form.cleaned_data["hidden"]:
            review_hide(review=obj, by=request.user, reason=form.cleaned_data["hidden_reason"])
        else:
            review_show(review=obj)
