from django import template

from payments.stripe_client import payments_configured as _payments_configured

register = template.Library()


@register.simple_tag
def payments_configured() -> bool:
    """{% payments_configured as can_pay %}: False when STRIPE_SECRET_KEY is empty."""
    return _payments_configured()
