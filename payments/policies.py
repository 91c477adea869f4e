"""Who may see which purchases and webhook events (the admin asks here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from courses.policies import in_courses_authored_by
from payments.models import Purchase, WebhookEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.models import User


def purchases_viewable_by(user: User | AnonymousUser) -> QuerySet[Purchase]:
    """Superusers see every purchase; instructors see the purchases of their own courses."""
    return in_courses_authored_by(Purchase.objects.all(), user, course="course")


def can_view_webhook_events(user: User | AnonymousUser) -> bool:
    """Raw Stripe payloads carry other buyers' details: superusers only."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def webhook_events_viewable_by(user: User | AnonymousUser) -> QuerySet[WebhookEvent]:
    if can_view_webhook_events(user):
        return WebhookEvent.objects.all()
    return WebhookEvent.objects.none()
