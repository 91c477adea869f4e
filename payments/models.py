from decimal import Decimal

from django.conf import settings
from django.db import models


class Purchase(models.Model):
    """One attempt to buy one course through one Stripe Checkout Session."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"
        REFUNDED = "refunded", "Refunded"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases"
    )
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="purchases")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    stripe_session_id = models.CharField(max_length=255, unique=True)
    payment_intent = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    amount_refunded = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "course", "status"]),
            models.Index(fields=["payment_intent"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course} · {self.status}"
