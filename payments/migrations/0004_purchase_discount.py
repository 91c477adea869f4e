"""Promotion codes: the discount on each purchase. `amount` stays what the
buyer pays, so every existing row keeps its meaning (no discount, paid = its
amount, price = amount + 0): nothing is copied, every row is kept."""

from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_refund_dispute_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="purchase",
            name="amount_discount",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0"),
                help_text="Taken off the price by promotion codes (Stripe's total_details.amount_discount).",
                max_digits=10,
            ),
        ),
        migrations.AddField(
            model_name="purchase",
            name="promotion_code",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The code the buyer entered at Checkout (its Stripe id if the code could not be read).",
                max_length=255,
            ),
        ),
        migrations.AlterField(
            model_name="purchase",
            name="amount",
            field=models.DecimalField(
                decimal_places=2,
                help_text="What the buyer pays: the course's price when Checkout starts, then Stripe's "
                "amount_total (after discounts). Refunds and revenue count this.",
                max_digits=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="purchase",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount_discount__gte", 0)), name="purchase_discount_not_negative"
            ),
        ),
    ]
