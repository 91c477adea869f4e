"""Every text a buyer reads about a payment, in one place: the notifications
about failed payments, refunds and disputes, and the e-mailed receipt."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from lms.money import format_money
from notifications.models import EmailCategory, Notification
from notifications.services import emails_queue, notify
from payments.models import Purchase


@dataclass(frozen=True)
class Notice:
    kind: str
    title: str
    message: str


class AccessAfterRefund(Enum):
    ENDED = " Access to the course has ended."
    KEPT_THROUGH_OTHER_PURCHASE = " You keep access to the course through your other purchase."
    NOT_HELD = ""  # access had already gone (revoked by a dispute, say)
    RESTORED = " Your access to the course is back."
    KEPT = " You keep access to the course."


# name: (kind, title, message). {course} is the course's title; the others are
# named where the notice is sent.
_NOTICES = {
    "payment_failed": (
        Notification.Kind.PAYMENT,
        "Payment failed",
        "Your payment for “{course}” did not go through. "
        "Nothing was charged; you can try again from the course page.",
    ),
    "refunded_in_full": (
        Notification.Kind.REFUND,
        "Refund issued",
        "You were refunded {refunded} for “{course}”.{access}",
    ),
    "refunded_in_part": (
        Notification.Kind.REFUND,
        "Partial refund issued",
        "You were refunded {refunded} of {amount} for “{course}”. You keep access to the course.",
    ),
    "refund_failed": (
        Notification.Kind.REFUND,
        "Refund failed",
        "The refund of {refunded} for “{course}” did not go through: your payment stands.{access}",
    ),
    "refund_canceled": (
        Notification.Kind.REFUND,
        "Refund canceled",
        "The refund of {refunded} for “{course}” was canceled: your payment stands.{access}",
    ),
    "access_ended": (
        Notification.Kind.PAYMENT,
        "Course access ended",
        "The dispute about your payment for “{course}” was decided for your bank: "
        "access to the course has ended.",
    ),
    "access_suspended": (
        Notification.Kind.PAYMENT,
        "Course access suspended",
        "Your payment for “{course}” is disputed with your bank. "
        "Access is suspended until the dispute is resolved.",
    ),
    "access_restored": (
        Notification.Kind.PAYMENT,
        "Course access restored",
        "The dispute about your payment for “{course}” is resolved: your access is back.",
    ),
}


def notice(
    name: str, purchase: Purchase, *, refunded: Decimal | None = None, access=AccessAfterRefund.NOT_HELD
) -> Notice:
    """The notice `name` about `purchase`, in the buyer's words."""
    kind, title, message = _NOTICES[name]
    return Notice(
        kind,
        title,
        message.format(
            course=purchase.course.title,
            amount=format_money(purchase.amount, purchase.currency),
            refunded=format_money(refunded or Decimal("0"), purchase.currency),
            access=access.value,
        ),
    )


def notice_send(purchase: Purchase, notice: Notice, *, event: str) -> None:
    """Tell the buyer, on the site and by e-mail (once per `event`, e.g. the
    Stripe object the notice is about)."""
    notify(
        users=[purchase.user_id],
        kind=notice.kind,
        title=notice.title,
        message=notice.message,
        course=purchase.course,
        email_key=f"purchase:{purchase.pk}:{event}",
    )


def receipt_send(purchase: Purchase) -> None:
    """E-mail the receipt of a completed purchase, from a background job (once
    per purchase). Call inside the transaction that completes it."""
    emails_queue(
        key=f"receipt:{purchase.pk}",
        category=EmailCategory.RECEIPTS,
        template="receipt",
        subject=f"Your receipt: {purchase.course.title}",
        context={
            "course_title": purchase.course.title,
            "amount": format_money(purchase.amount, purchase.currency),
            "price": format_money(purchase.amount_subtotal, purchase.currency),
            "discount": format_money(purchase.amount_discount, purchase.currency)
            if purchase.amount_discount
            else "",
            "promotion_code": purchase.promotion_code,
            "reference": purchase.stripe_session_id,
            "url": purchase.course.get_absolute_url(),
        },
        recipients={purchase.user_id: {}},
    )
