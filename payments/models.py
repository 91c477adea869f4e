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
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    stripe_session_id = models.CharField(max_length=255, unique=True)
    payment_intent = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    amount_refunded = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)
    checkout_url = models.URLField(
        max_length=2000, blank=True, help_text="Stripe's hosted page; reused by a second click on Buy."
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the Checkout Session expires.")
    completed_at = models.DateTimeField(null=True, blank=True)
    dispute_status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.NONE, blank=True
    )
    stripe_dispute_id = models.CharField(max_length=255, blank=True, default="")
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
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course} · {self.status}"

    def problem_note(self, text: str) -> None:
        """Add `text` to what staff must look at, once (the caller saves `problem`)."""
        if text not in self.problem:
            self.problem = f"{self.problem}\n{text}".strip()


class Refund(models.Model):
    """One Stripe refund of a purchase, recorded once under its Stripe id so that
    `refund.*` events and `charge.refunded` never count the same money twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        REQUIRES_ACTION = "requires_action", "Requires action"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.stripe_refund_id} ({self.status})"


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
        REJECTED = "rejected", "Rejected, needs staff"

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
