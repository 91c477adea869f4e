from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from lms.models import User
from lms.services import user_make_instructor, user_profile_save


class EmailTakenMixin:
    """Says which field is wrong when an address differs from another account's
    only in case (the database constraint would only say it was violated)."""

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("Another account already uses this e-mail address.")
        return email


class UserCreationAdminForm(EmailTakenMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["email"]


class UserChangeAdminForm(EmailTakenMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_instructor", "is_staff", "date_joined"]
    list_filter = ["is_instructor", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["is_instructor", "slug", "photo_url", "last_login", "date_joined"]
    actions = ["make_instructor"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name"]}),
        ("Instructor profile", {"fields": ["is_instructor", "slug", "title", "bio", "photo", "photo_url"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]}),
    ]

    def save_model(self, request, obj, form, change):
        user_profile_save(user=obj)  # a new photo: cropped and re-encoded

    @admin.action(description="Make instructor", permissions=["change"])
    def make_instructor(self, request, queryset):
        for user in queryset:
            user_make_instructor(user=user)
        self.message_user(request, f"{queryset.count()} user(s) can now author courses.", messages.SUCCESS)
