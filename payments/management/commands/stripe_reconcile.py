"""`python manage.py stripe_reconcile --since 3d [--apply]`: for the day the
webhook endpoint was misconfigured. Lists the Checkout Sessions that Stripe
has as paid and this site has not fulfilled, and the refunds and disputes not
applied here, created in the window (`30m`, `12h`, `3d`); `--apply` applies
them through the webhook's own idempotent services. Without `--apply` nothing
is written. Exits 1 if something could not be applied."""

from __future__ import annotations

import re
from datetime import timedelta

import stripe
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments.services.reconcile import KINDS, Finding, reconcile_apply, reconcile_counts, reconcile_scan
from payments.stripe_client import payments_configured

SINCE_RE = re.compile(r"([1-9][0-9]{0,4})([mhd])")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}
LONGEST = timedelta(days=400)
TITLES = {"session": "Checkout Sessions paid", "refund": "Refunds", "dispute": "Disputes"}
TODO = {"session": "would fulfil", "refund": "would apply", "dispute": "would apply"}


def parse_since(value: str) -> timedelta:
    match = SINCE_RE.fullmatch(value.strip())
    if not match:
        raise CommandError(f"--since {value!r}: say how far back, e.g. 30m, 12h, 3d")
    window = timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    if window > LONGEST:
        raise CommandError(f"--since {value!r}: at most {LONGEST.days}d")
    return window


class Command(BaseCommand):
    help = (
        "List (with --apply, apply) what Stripe has and this site has not: paid sessions, refunds, disputes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="How far back to look: 30m, 12h, 3d, 7d.")
        parser.add_argument("--apply", action="store_true", help="Apply what is listed (default: only list).")

    def handle(self, *args, since: str, apply: bool, **options):
        window = parse_since(since)
        if not payments_configured():
            raise CommandError("STRIPE_SECRET_KEY is empty: Stripe cannot be asked.")
        try:
            result = reconcile_scan(since=timezone.now() - window)
        except stripe.StripeError as exc:
            raise CommandError(f"Stripe could not be asked: {exc}") from exc

        self.stdout.write(f"Stripe objects created since {result.since:%Y-%m-%d %H:%M} UTC ({since}):")
        counts = reconcile_counts(result.findings)
        for kind in KINDS:
            self.stdout.write(
                f"  {TITLES[kind]}: {counts[kind]} not applied here, {result.in_step[kind]} "
                f"{'already fulfilled' if kind == 'session' else 'already applied'}, "
                f"{result.skipped[kind]} {'not paid yet' if kind == 'session' else 'not for this site'}"
            )
        if not result.findings:
            self.stdout.write("Nothing to do: everything Stripe has in this window is applied here.")
            return
        findings = reconcile_apply(result) if apply else iter(result.findings)
        failed = 0
        for finding in findings:
            failed += finding.result.startswith("error")
            self.stdout.write(self._line(finding, apply=apply))
        if not apply:
            self.stdout.write("Nothing was changed. Run again with --apply to apply these.")
        elif failed:
            raise CommandError(f"{failed} of {len(result.findings)} could not be applied (see above).")

    def _line(self, finding: Finding, *, apply: bool) -> str:
        action = finding.result if apply else TODO[finding.kind]
        return (
            f"  {finding.kind:<8} {finding.stripe_id:<34} {finding.stripe_says:<45} "
            f"here: {finding.here:<36} -> {action}"
        )
