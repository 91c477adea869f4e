"""What must hold after the load, whatever the order and the repetitions of the events: checked in
SQL (through the ORM) against the database the site wrote. Imports models: call after
django.setup(). Each check returns a Verdict; a failed one names up to five offending rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F

from courses.models import Course
from enrollments.models import Enrollment
from learning.selectors.percentages import progress_current_annotation
from learning.services.progress import course_progress_refresh
from notifications.models import EmailEvent, Notification
from payments.models import Purchase, WebhookEvent


@dataclass
class Verdict:
    name: str
    ok: bool
    detail: str


def paid_sessions_fulfilled_once(paid_session_ids: list[str]) -> Verdict:
    """Every session Stripe took money for: one complete purchase, its user's active enrollment
    resting on it, one "enrolled" notification and one receipt for that purchase."""
    purchases = {
        p.stripe_session_id: p for p in Purchase.objects.filter(stripe_session_id__in=paid_session_ids)
    }
    enrolled = Counter(
        Notification.objects.filter(kind=Notification.Kind.ENROLLED, course__price__gt=0).values_list(
            "user_id", "course_id"
        )
    )
    receipts = set(EmailEvent.objects.filter(key__startswith="receipt:").values_list("key", flat=True))
    enrollments = {
        (e.user_id, e.course_id): e
        for e in Enrollment.objects.filter(purchase__stripe_session_id__in=paid_session_ids)
    }
    wrong = []
    for session_id in paid_session_ids:
        purchase = purchases.get(session_id)
        if purchase is None or purchase.status != Purchase.Status.COMPLETE:
            wrong.append(f"{session_id}: purchase {purchase and purchase.status}")
            continue
        key = (purchase.user_id, purchase.course_id)
        enrollment = enrollments.get(key)
        if enrollment is None or enrollment.status != Enrollment.Status.ACTIVE:
            wrong.append(f"{session_id}: enrollment {enrollment and enrollment.status}")
        if enrolled[key] != 1:
            wrong.append(f"{session_id}: {enrolled[key]} 'enrolled' notifications")
        if f"receipt:{purchase.pk}" not in receipts:
            wrong.append(f"{session_id}: no receipt")
    complete = Purchase.objects.filter(status=Purchase.Status.COMPLETE).count()
    if complete != len(paid_session_ids):
        wrong.append(f"{complete} complete purchases for {len(paid_session_ids)} paid sessions")
    return Verdict(
        "every paid session fulfilled exactly once (purchase, enrollment, notification, receipt)",
        not wrong,
        f"{len(paid_session_ids)} paid sessions" + (": " + "; ".join(wrong[:5]) if wrong else ""),
    )


def enrollments_rest_on_a_purchase_or_a_free_course() -> Verdict:
    orphans = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, course__price__gt=0).exclude(
        purchase__status=Purchase.Status.COMPLETE
    )
    found = list(orphans.values_list("user__email", "course__slug")[:5])
    total = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE).count()
    return Verdict(
        "no active enrollment without its complete purchase or a free course",
        not found,
        f"{total} active enrollments" + (f"; e.g. {found}" if found else ""),
    )


def stored_percentages_are_fresh() -> Verdict:
    """Recompute every percentage with the one function that writes them, compare, roll back."""
    # What students see: the stored value, or the one computed on read while a refresh job is pending.
    stored = dict(
        Enrollment.objects.annotate(**progress_current_annotation()).values_list("pk", "progress_current")
    )
    with transaction.atomic():
        # Every stored percentage stale (a new curriculum revision): the refresh recomputes them all.
        Course.objects.update(curriculum_revision=F("curriculum_revision") + 1)
        course_progress_refresh(course_ids=Course.objects.values_list("pk", flat=True))
        fresh = dict(Enrollment.objects.values_list("pk", "progress_percent"))
        transaction.set_rollback(True)
    differ = [(pk, stored[pk], fresh[pk]) for pk in stored if stored[pk] != fresh.get(pk)]
    return Verdict(
        "every stored progress percentage equals a fresh computation",
        not differ,
        f"{len(stored)} enrollments" + (f"; (pk, stored, fresh) e.g. {differ[:5]}" if differ else ""),
    )


def webhook_events_processed() -> Verdict:
    statuses = dict(
        WebhookEvent.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    bad = {status: n for status, n in statuses.items() if status != WebhookEvent.Status.PROCESSED}
    duplicates = (
        WebhookEvent.objects.values("stripe_event_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    return Verdict(
        "every webhook event stored once and processed",
        not bad and not duplicates,
        f"{sum(statuses.values())} events by status {statuses}"
        + (f"; {duplicates} ids twice" if duplicates else ""),
    )


def no_server_errors(server_errors: int, detail: str) -> Verdict:
    return Verdict("no 5xx answer during the load", server_errors == 0, detail)


def invariants_check(paid_session_ids: list[str]) -> list[Verdict]:
    return [
        paid_sessions_fulfilled_once(paid_session_ids),
        enrollments_rest_on_a_purchase_or_a_free_course(),
        stored_percentages_are_fresh(),
        webhook_events_processed(),
    ]
