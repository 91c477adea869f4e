"""Writes about notifications. Every app that tells a user something calls
`notify`; nothing else creates a Notification. (The discussions issue adds
e-mail here, so that one call both notifies and mails.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from notifications.models import Notification

if TYPE_CHECKING:
    from courses.models import Course
    from lms.models import User


def notify(
    *,
    users: Iterable[User | int],
    kind: str,
    title: str,
    message: str = "",
    course: Course | None = None,
    url: str = "",
    urls: Mapping[int, str] | None = None,
) -> None:
    """Tell each of `users` (accounts or their ids) the same thing: one INSERT,
    whatever their number. `url` is where the notification leads (a path on
    this site); `urls` gives some users a link of their own, by user id.

    A kind sent at most once per course (`Notification.ONCE_PER_COURSE`, backed
    by a partial unique constraint) is skipped for users who already have it,
    without disturbing the caller's transaction."""
    user_ids = [user if isinstance(user, int) else user.pk for user in users]
    rows = [
        Notification(
            user_id=user_id,
            kind=kind,
            title=title,
            message=message,
            course=course,
            url=(urls or {}).get(user_id, url),
        )
        for user_id in user_ids
    ]
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=kind in Notification.ONCE_PER_COURSE)


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read. Returns the
    number changed; another user's notification id changes nothing."""
    unread = Notification.objects.filter(user=user, read=False)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read=True)
