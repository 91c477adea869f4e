import pytest
from django.core.checks import run_checks


def payment_check_ids() -> list[str]:
    return [m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("payments.")]


@pytest.mark.parametrize(
    ("secret_key", "webhook_secret", "api_base", "expected"),
    [
        ("", "", "", []),  # payments off: nothing to warn about
        ("sk_test_x", "whsec_x", "", []),
        ("sk_test_x", "", "", ["payments.W001"]),
        ("sk_live_x", "whsec_x", "http://127.0.0.1:12111", ["payments.W002"]),
        ("sk_test_x", "whsec_x", "http://127.0.0.1:12111", []),  # a test key against a mock is fine
    ],
)
def test_check_deploy_warns_about_stripe_settings_that_lose_events(
    settings, secret_key, webhook_secret, api_base, expected
):
    settings.STRIPE_SECRET_KEY = secret_key
    settings.STRIPE_WEBHOOK_SECRET = webhook_secret
    settings.STRIPE_API_BASE = api_base

    assert payment_check_ids() == expected


def test_the_checks_run_only_with_deploy(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = ""

    assert [m.id for m in run_checks() if m.id.startswith("payments.")] == []
