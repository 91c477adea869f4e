"""Every text a buyer reads about a payment, in one place: the notifications
about failed payments, refunds and disputes, and the e-mailed receipt."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from django.core.mail import send_mail

from lms.money import format_money
from notifications.models import Notification
from notifications.services import notify
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


def payment_failed(purchase: Purchase) -> Notice:
    return Notice(
        Notification.Kind.PAYMENT,
        "Payment failed",
        f"Your payment for “{purchase.course.title}” did not go through. "
        "Nothing was charged; you can try again from the course page.",
    )


def refunded_in_full(purchase: Purchase, refunded: Decimal, access: AccessAfterRefund) -> Notice:
    amount = format_money(refunded, purchase.currency)
    return Notice(
        Notification.Kind.REFUND,
        "Refund issued",
        f"You were refunded {amount} for “{purchase.course.title}”.{access.value}",
    )


def refunded_in_part(purchase: Purchase, refunded: Decimal) -> Notice:
    return Notice(
        Notification.Kind.REFUND,
        "Partial refund issued",
        f"You were refunded {format_money(refunded, purchase.currency)} of "
        f"{format_money(purchase.amount, purchase.currency)} for “{purchase.course.title}”. "
        "You keep access to the course.",
    )


def access_suspended(purchase: Purchase) -> Notice:
    return Notice(
        Notification.Kind.PAYMENT,
        "Course access suspended",
        f"Your payment for “{purchase.course.title}” is disputed with your bank. "
        "Access is suspended until the dispute is resolved.",
    )


def access_restored(purchase: Purchase) -> Notice:
    return Notice(
        Notification.Kind.PAYMENT,
        "Course access restored",
        f"The dispute about your payment for “{purchase.course.title}” is resolved: your access is back.",
    )


def notice_send(purchase: Purchase, notice: Notice) -> None:
    notify(
        users=[purchase.user_id],
        kind=notice.kind,
        title=notice.title,
        message=notice.message,
        course=purchase.course,
    )


def receipt_send(purchase_id: int) -> None:
    """E-mail the receipt of a completed purchase (after its transaction commits)."""
    purchase = Purchase.objects.select_related("user", "course").get(pk=purchase_id)
    send_mail(
        subject=f"Your receipt: {purchase.course.title}",
        message=(
            f"Thank you for buying “{purchase.course.title}” on Doctrina.\n\n"
            f"Amount paid: {format_money(purchase.amount, purchase.currency)}\n"
            f"Reference: {purchase.stripe_session_id}\n"
        ),
        from_email=None,
        recipient_list=[purchase.user.email],
    )
