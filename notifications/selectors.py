"""Reads about notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from notifications.models import Notification

if TYPE_CHECKING:
    from lms.models import User


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read=False).count()


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("course")
