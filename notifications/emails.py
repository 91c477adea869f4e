"""E-mails as recipients read them: a plain-text and an HTML part from the
templates in templates/notifications/email/, absolute links built from
SITE_URL, and (for everything but receipts) a signed unsubscribe link with the
List-Unsubscribe and List-Unsubscribe-Post headers of RFC 8058, so a mail
provider's one-click unsubscribe works without a login."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.models import EmailCategory

if TYPE_CHECKING:
    from notifications.models import EmailDelivery

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def site_url() -> str:
    """The public origin for links in e-mails (SITE_URL; check --deploy warns when it is empty)."""
    return settings.SITE_URL or "http://127.0.0.1:8000"


def unsubscribe_token(*, user_id: int, category: str) -> str:
    return signing.dumps([user_id, category], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    """The (user id, category) a token was signed for; None for anything forged or garbled.
    Tokens do not expire: an old e-mail's link keeps working."""
    try:
        user_id, category = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if (
        not isinstance(user_id, int)
        or category not in EmailCategory.values
        or category == EmailCategory.RECEIPTS
    ):
        return None
    return user_id, category


def email_message(delivery: EmailDelivery) -> EmailMultiAlternatives:
    """The message for one delivery (its event and user loaded)."""
    event, user = delivery.event, delivery.user
    origin = site_url()
    context = {
        **event.context,
        **delivery.context,
        "user": user,
        "site_url": origin,
        "subject": event.subject,
    }
    if context.get("url"):
        context["link"] = origin + context["url"]
    headers = {}
    if event.category != EmailCategory.RECEIPTS:
        path = reverse(
            "notifications:unsubscribe", args=[unsubscribe_token(user_id=user.pk, category=event.category)]
        )
        context["unsubscribe_url"] = origin + path
        context["category_label"] = EmailCategory(event.category).label
        headers = {
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message = EmailMultiAlternatives(
        subject=event.subject,
        body=render_to_string(f"notifications/email/{event.template}.txt", context),
        to=[user.email],
        headers=headers,
    )
    message.attach_alternative(
        render_to_string(f"notifications/email/{event.template}.html", context), "text/html"
    )
    return message
