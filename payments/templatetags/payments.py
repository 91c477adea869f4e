from decimal import Decimal

from django import template

from lms.money import format_money
from payments.stripe_client import payments_configured as _payments_configured

register = template.Library()


@register.simple_tag
def payments_configured() -> bool:
    """{% payments_configured as can_pay %}: False when STRIPE_SECRET_KEY is empty."""
    return _payments_configured()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """{{ course.price|money:course.currency }} -> "$49.00", "€12.50", "¥4,900"."""
    if amount is None:
        return ""
    return format_money(amount, currency)
