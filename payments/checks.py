"""`manage.py check --deploy`: Stripe settings that let the site take money but
not finish the job."""

from django.conf import settings
from django.core.checks import Warning, register

from payments.stripe_client import key_is_live


@register("payments", deploy=True)
def stripe_settings_check(app_configs, **kwargs):
    warnings = []
    if settings.STRIPE_SECRET_KEY and not settings.STRIPE_WEBHOOK_SECRET:
        warnings.append(
            Warning(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is empty: buyers can pay, but "
                "every webhook is refused (503), so delayed payments, refunds and disputes are "
                "never applied.",
                hint="Set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (whsec_…).",
                id="payments.W001",
            )
        )
    if key_is_live() and settings.STRIPE_API_BASE:
        warnings.append(
            Warning(
                f"A live Stripe key is sent to STRIPE_API_BASE ({settings.STRIPE_API_BASE}), not to Stripe.",
                hint="Leave STRIPE_API_BASE empty in production.",
                id="payments.W002",
            )
        )
    return warnings
