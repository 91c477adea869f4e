"""E-mail deliveries, read-only, for staff: what was sent, what failed and why,
and what a crash left SENDING (never resent automatically: see EmailDelivery)."""

from django.contrib import admin

from lms.admin_mixins import ReadOnlyAdminMixin
from notifications.models import EmailDelivery


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["event", "user", "status", "attempts", "sent_at", "next_attempt_at"]
    list_filter = ["status", "event__category"]
    list_select_related = ["event", "user"]
    search_fields = ["event__key", "user__email"]
    readonly_fields = [
        "event",
        "user",
        "context",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
    ]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
