"""Amounts between Decimal prices and Stripe's integer minor units, exactly.

Stripe expects amounts in the currency's smallest unit: cents for usd, whole
yen for jpy (a zero-decimal currency), and thousandths for the three-decimal
currencies (whose last digit must be 0). No float is involved anywhere: 4.35
is 435 cents, never the 434 that `int(4.35 * 100)` gives.
See https://docs.stripe.com/currencies#zero-decimal."""

from decimal import ROUND_HALF_UP, Decimal

ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
        "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    }
)  # fmt: skip
THREE_DECIMAL_CURRENCIES = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})

CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}


class AmountNotRepresentable(ValueError):
    """The price has more precision than the currency allows (e.g. 100.50 jpy)."""


def minor_unit_exponent(currency: str) -> int:
    currency = currency.lower()
    if currency in ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Decimal("4.35"), "usd" -> 435; Decimal("4900"), "jpy" -> 4900."""
    scaled = Decimal(amount).scaleb(minor_unit_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise AmountNotRepresentable(f"{amount} {currency} has more decimals than the currency allows")
    return int(scaled)


def from_minor_units(minor: int, currency: str) -> Decimal:
    """435, "usd" -> Decimal("4.35"). The result fits a two-decimal field."""
    value = Decimal(int(minor)).scaleb(-minor_unit_exponent(currency))
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """ "$49.00", "€12.50", "¥4,900", "CHF 30.00"."""
    currency = (currency or "").lower()
    places = min(minor_unit_exponent(currency), 2)
    number = f"{Decimal(amount):,.{places}f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{currency.upper()} {number}"
