from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class Purchase(models.Model):
    """One attempt to buy one course through one Stripe Checkout Session."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"
        REFUNDED = "refunded", "Refunded"

    class DisputeStatus(models.TextChoices):
        NONE = "", "No dispute"
        OPEN = "open", "Open (access suspended)"
        WON = "won", "Won (access restored)"
        LOST = "lost", "Lost"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases")
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="purchases")
    amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="What the buyer pays: the course's price when Checkout starts, then Stripe's "
        "amount_total (after discounts). Refunds and revenue count this.",
    )
    amount_discount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Taken off the price by promotion codes (Stripe's total_details.amount_discount).",
    )
    promotion_code = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text="The code the buyer entered at Checkout (its Stripe id if the code could not be read).",
    )
    currency = models.CharField(max_length=3)
    stripe_session_id = models.CharField(max_length=255, unique=True)
    payment_intent = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    amount_refunded = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Refunded so far, computed from the refunds (payments.services.refunds), never by hand.",
    )
    # The charge's own word (`charge.refunded`): its cumulative amount_refunded and
    # when Stripe made the event that said so. It covers refunds not known one by one.
    charge_amount_refunded = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    charge_event_created = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checkout_url = models.URLField(
        max_length=2000, blank=True, help_text="Stripe's hosted page; reused by a second click on Buy."
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the Checkout Session expires.")
    completed_at = models.DateTimeField(null=True, blank=True)
    dispute_status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.NONE, blank=True
    )
    stripe_dispute_id = models.CharField(
        max_length=255, blank=True, default="", help_text="The dispute that decides `dispute_status`."
    )
    problem = models.TextField(
        blank=True,
        help_text="Set when a payment needs a person: a mismatch, a second payment, a dispute.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "course", "status"]),
            models.Index(fields=["payment_intent"]),
        ]
        constraints = [
            # One purchase per PaymentIntent: refunds and disputes find exactly one row.
            models.UniqueConstraint(
                fields=["payment_intent"],
                condition=~Q(payment_intent=""),
                name="purchase_payment_intent_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, amount_refunded__gte=0), name="purchase_amounts_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(charge_amount_refunded__gte=0), name="purchase_charge_refunded_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_discount__gte=0), name="purchase_discount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course} · {self.status}"

    @property
    def amount_subtotal(self) -> Decimal:
        """The price before discounts (Stripe's amount_subtotal: fulfilment checks
        that amount_total = amount_subtotal − amount_discount)."""
        return self.amount + self.amount_discount

    def problem_note(self, text: str) -> None:
        """Add `text` to what staff must look at, once (the caller saves `problem`)."""
        if text not in self.problem:
            self.problem = f"{self.problem}\n{text}".strip()


class Refund(models.Model):
    """One Stripe refund of a purchase, recorded once under its Stripe id so that
    `refund.*` events and `charge.refunded` never count the same money twice.

    `status` is the refund's status in the newest event seen (`event_created`):
    an older event arriving late (a retry days later) never overwrites it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        REQUIRES_ACTION = "requires_action", "Requires action"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    # Counted against the purchase from the moment Stripe creates the refund until it
    # fails or is canceled, as Stripe's own charge.amount_refunded counts it.
    COUNTED = (Status.PENDING, Status.REQUIRES_ACTION, Status.SUCCEEDED)

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    stripe_created = models.DateTimeField(
        null=True, blank=True, help_text="The refund's `created` in Stripe."
    )
    event_created = models.DateTimeField(
        null=True, blank=True, help_text="When Stripe made the newest event applied to this refund."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.stripe_refund_id} ({self.status})"


class Dispute(models.Model):
    """One Stripe dispute (or inquiry) of a purchase, once under its Stripe id, with
    its status in the newest event seen (`event_created`), so that a dispute won
    before its `charge.dispute.created` arrives stays won."""

    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response", "Inquiry, needs response"
        WARNING_UNDER_REVIEW = "warning_under_review", "Inquiry, under review"
        WARNING_CLOSED = "warning_closed", "Inquiry closed"
        NEEDS_RESPONSE = "needs_response", "Needs response"
        UNDER_REVIEW = "under_review", "Under review"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        PREVENTED = "prevented", "Prevented"

    # An open dispute (an inquiry too) suspends access; won, closed or prevented gives it back.
    OPEN = (
        Status.WARNING_NEEDS_RESPONSE,
        Status.WARNING_UNDER_REVIEW,
        Status.NEEDS_RESPONSE,
        Status.UNDER_REVIEW,
    )

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices)
    reason = models.CharField(max_length=100, blank=True)
    stripe_created = models.DateTimeField(
        null=True, blank=True, help_text="The dispute's `created` in Stripe."
    )
    event_created = models.DateTimeField(
        null=True, blank=True, help_text="When Stripe made the newest event applied to this dispute."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="dispute_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.stripe_dispute_id} ({self.status})"


class WebhookEvent(models.Model):
    """Every verified Stripe event, once (the unique event id), with what became of it.

    `processed_at` is written in the same transaction as the event's work, so an
    event is never marked done without its effects, nor its effects committed
    without the mark."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (nothing to do)"
        FAILED = "failed", "Failed, Stripe will retry"
        REJECTED = "rejected", "Failed for good (answered 200), needs staff"

    DONE = (Status.PROCESSED, Status.IGNORED, Status.REJECTED)

    stripe_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    purchase = models.ForeignKey(
        Purchase, on_delete=models.SET_NULL, null=True, blank=True, related_name="webhook_events"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.stripe_event_id} {self.type}"

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE
