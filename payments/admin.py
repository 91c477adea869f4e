"""Purchases and Stripe webhook events, read-only. Superusers see everything;
instructors see the purchases of their own courses (through `payments.policies`)
and no webhook payloads."""

import json

from django.contrib import admin
from django.utils.html import format_html

from lms.admin_mixins import ReadOnlyAdminMixin
from lms.money import format_money
from payments import policies
from payments.models import Dispute, Purchase, Refund, WebhookEvent


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(problem="")
        if self.value() == "no":
            return queryset.filter(problem="")
        return queryset


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    fields = ["stripe_refund_id", "amount", "status", "stripe_created", "event_created", "updated_at"]
    readonly_fields = fields
    extra = 0


class DisputeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Dispute
    fields = [
        "stripe_dispute_id",
        "amount",
        "status",
        "reason",
        "stripe_created",
        "event_created",
        "updated_at",
    ]
    readonly_fields = fields
    extra = 0


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "course",
        "price",
        "status",
        "refunded",
        "dispute_status",
        "needs_attention",
        "created_at",
    ]
    list_filter = ["status", "dispute_status", NeedsAttentionFilter, "currency"]
    list_select_related = ["user", "course"]
    search_fields = ["stripe_session_id", "payment_intent", "user__email", "course__title", "promotion_code"]
    date_hierarchy = "created_at"
    inlines = [RefundInline, DisputeInline]
    fieldsets = [
        (None, {"fields": ["user", "course", "status", "amount", "currency", "amount_refunded", "problem"]}),
        ("Promotion code", {"fields": ["amount_discount", "promotion_code"]}),
        ("Refunds (the charge's own total)", {"fields": ["charge_amount_refunded", "charge_event_created"]}),
        ("Stripe", {"fields": ["stripe_session_id", "payment_intent", "checkout_url", "expires_at"]}),
        ("Dispute", {"fields": ["dispute_status", "stripe_dispute_id"]}),
        ("Dates", {"fields": ["created_at", "completed_at"]}),
    ]

    def get_queryset(self, request):
        return policies.purchases_viewable_by(request.user)

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or policies.purchases_viewable_by(request.user).filter(pk=obj.pk).exists()

    @admin.display(description="Amount", ordering="amount")
    def price(self, obj: Purchase) -> str:
        return format_money(obj.amount, obj.currency)

    @admin.display(description="Refunded", ordering="amount_refunded")
    def refunded(self, obj: Purchase) -> str:
        return format_money(obj.amount_refunded, obj.currency) if obj.amount_refunded else "—"

    @admin.display(description="Needs attention", boolean=True)
    def needs_attention(self, obj: Purchase) -> bool:
        return bool(obj.problem)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "stripe_event_id",
        "type",
        "status",
        "purchase",
        "attempts",
        "received_at",
        "processed_at",
    ]
    list_filter = ["status", "type", "livemode"]
    search_fields = ["stripe_event_id", "type", "purchase__stripe_session_id"]
    date_hierarchy = "received_at"
    fields = [
        "stripe_event_id",
        "type",
        "status",
        "error",
        "livemode",
        "purchase",
        "attempts",
        "received_at",
        "processed_at",
        "payload_pretty",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return policies.webhook_events_viewable_by(request.user).select_related("purchase")

    def has_module_permission(self, request):
        return policies.can_view_webhook_events(request.user)

    def has_view_permission(self, request, obj=None):
        return policies.can_view_webhook_events(request.user)

    @admin.display(description="Payload")
    def payload_pretty(self, obj: WebhookEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))
