"""The per-object refund and dispute state (payments 0003): what a purchase
stored before (a refunded total from `charge.refunded`, a dispute's status and
id) is carried into the new rows, and every row is kept."""

import time
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from payments.models import Dispute, Purchase, Refund
from payments.services.refunds import purchase_refund_sync
from tests.factories import CourseFactory, UserFactory

BEFORE = [("payments", "0002_purchase_fulfilment_refunds_webhook_events")]


@pytest.fixture
def old_schema(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_refunded_totals_and_disputes_are_carried_into_rows_and_nothing_is_lost(old_schema):
    OldPurchase = old_schema.get_model("payments", "Purchase")
    OldRefund = old_schema.get_model("payments", "Refund")
    user, course = UserFactory(), CourseFactory(price=Decimal("49.00"))
    now = timezone.now()

    def bought(n, **fields):
        return OldPurchase.objects.create(
            **{
                "user_id": user.pk,
                "course_id": course.pk,
                "amount": Decimal("49.00"),
                "currency": "usd",
                "stripe_session_id": f"cs_old_{n}",
                "payment_intent": f"pi_old_{n}",
                "status": "complete",
                "completed_at": now,
                **fields,
            }
        )

    # Refunded through charge.refunded only (no refund ids known): $20 of $49.
    by_charge = bought(1, amount_refunded=Decimal("20.00"))
    # Refunded through refund events: the rows exist already.
    by_refund = bought(2, amount_refunded=Decimal("49.00"), status="refunded")
    OldRefund.objects.create(
        purchase=by_refund, stripe_refund_id="re_old", amount=Decimal("49.00"), status="succeeded"
    )
    disputed = bought(3, dispute_status="open", stripe_dispute_id="dp_old")
    lost_without_id = bought(4, dispute_status="lost")
    untouched = bought(5)
    counts = {"purchases": OldPurchase.objects.count(), "refunds": OldRefund.objects.count()}

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Purchase.objects.count() == counts["purchases"] == 5
    assert Refund.objects.count() == counts["refunds"] == 1
    totals = dict(Purchase.objects.values_list("pk", "amount_refunded"))
    assert totals[by_charge.pk] == Decimal("20.00") and totals[by_refund.pk] == Decimal("49.00")
    assert totals[untouched.pk] == 0
    dispute = Dispute.objects.get(purchase_id=disputed.pk)
    assert (dispute.stripe_dispute_id, dispute.status) == ("dp_old", "needs_response")
    assert Dispute.objects.get(purchase_id=lost_without_id.pk).status == "lost"
    assert Purchase.objects.get(pk=disputed.pk).dispute_status == Purchase.DisputeStatus.OPEN
    assert Purchase.objects.get(pk=lost_without_id.pk).dispute_status == Purchase.DisputeStatus.LOST

    # The $20 known only from the charge still counts when a refund made since arrives...
    later = int(time.time()) + 5
    purchase_refund_sync(
        refund={
            "id": "re_new",
            "payment_intent": "pi_old_1",
            "amount": 500,
            "status": "succeeded",
            "created": later,
        }
    )
    assert Purchase.objects.get(pk=by_charge.pk).amount_refunded == Decimal("25.00")
    # ...while a late event for one of the refunds the $20 already counted adds nothing.
    purchase_refund_sync(
        refund={
            "id": "re_was_in_20",
            "payment_intent": "pi_old_1",
            "amount": 2000,
            "status": "succeeded",
            "created": 0,
        }
    )
    assert Purchase.objects.get(pk=by_charge.pk).amount_refunded == Decimal("25.00")
