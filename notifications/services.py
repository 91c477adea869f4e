"""Writes about notifications and e-mail. Every app that tells a user
something calls `notify`; nothing else creates a Notification. Kinds listed in
`EMAIL_CATEGORY_OF` are also e-mailed, by a background job, to the users who
have not turned that category off; `emails_queue` is the same road for e-mail
that is not a notification (a receipt)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from lms.inserts import insert_unless_exists
from lms.jobs import job_enqueue
from lms.user_page_cache import user_pages_bump
from notifications.models import (
    EMAIL_CATEGORY_OF,
    EmailCategory,
    EmailDelivery,
    EmailEvent,
    EmailPreferences,
    Notification,
)
from notifications.tasks import emails_send

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
    email_key: str = "",
) -> None:
    """Tell each of `users` (accounts or their ids) the same thing: one INSERT,
    whatever their number. `url` is where the notification leads (a path on
    this site); `urls` gives some users a link of their own, by user id.

    A kind sent at most once per course (`Notification.ONCE_PER_COURSE`, backed
    by a partial unique constraint) is skipped for users who already have it,
    without disturbing the caller's transaction. A kind that is e-mailed needs
    `email_key`, naming the event (`announcement:12`): each user gets the
    e-mail of an event at most once, whoever calls again. Call inside the
    transaction of the write that is being told about: the job commits with it."""
    user_ids = [user if isinstance(user, int) else user.pk for user in users]
    links = {user_id: (urls or {}).get(user_id, url) for user_id in user_ids}
    rows = [
        Notification(
            user_id=user_id, kind=kind, title=title, message=message, course=course, url=links[user_id]
        )
        for user_id in user_ids
    ]
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=kind in Notification.ONCE_PER_COURSE)
    user_pages_bump(user_ids)  # the unread count in their pages' header (bulk_create sends no signal)
    category = EMAIL_CATEGORY_OF.get(kind)
    if category is None:
        return
    if not email_key:
        raise ValueError(f"Notifications of kind {kind!r} are e-mailed: say which event this is (email_key).")
    emails_queue(
        key=email_key,
        category=category,
        template="notification",
        subject=title,
        context={"title": title, "message": message, "course_title": course.title if course else ""},
        recipients={user_id: {"url": link} for user_id, link in links.items()},
    )


def emails_queue(
    *,
    key: str,
    category: str,
    template: str,
    subject: str,
    context: Mapping[str, Any],
    recipients: Mapping[int, Mapping[str, Any]],
) -> EmailEvent:
    """Record an e-mail to each recipient (user id -> their own part of the
    context) who has not turned `category` off, and enqueue the job that sends
    them. Two INSERTs and one SELECT whatever the number of recipients (none
    for receipts; one more when the `key` was seen before); once per (event
    `key`, user), whoever calls again."""
    event = EmailEvent(
        key=key, category=category, template=template, subject=subject[:200], context=dict(context)
    )
    # One INSERT … ON CONFLICT DO NOTHING for a new event (get_or_create's SELECT,
    # SAVEPOINT, INSERT, RELEASE were four); a repeated key reads the stored one.
    if insert_unless_exists(event) is None:
        event = EmailEvent.objects.get(key=key)
    user_ids = list(recipients)
    opted_out: set[int] = set()
    if category != EmailCategory.RECEIPTS:
        opted_out = set(
            EmailPreferences.objects.filter(user_id__in=user_ids, **{category: False}).values_list(
                "user_id", flat=True
            )
        )
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(event=event, user_id=user_id, context=dict(recipients[user_id]))
            for user_id in user_ids
            if user_id not in opted_out
        ],
        ignore_conflicts=True,
    )
    job_enqueue(emails_send, event.pk)
    return event


def email_preferences_set(*, user: User, **wanted: bool) -> EmailPreferences:
    """Turn categories of e-mail on or off (replies, announcements, course_updates)."""
    preferences, _ = EmailPreferences.objects.get_or_create(user=user)
    for category, on in wanted.items():
        if category not in EmailPreferences.CATEGORIES:
            raise ValueError(f"No e-mail category {category!r}.")
        setattr(preferences, category, on)
    preferences.save()
    return preferences


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read. Returns the
    number changed; another user's notification id changes nothing."""
    unread = Notification.objects.filter(user=user, read=False)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    changed = unread.update(read=True)
    if changed:
        user_pages_bump([user.pk])
    return changed
