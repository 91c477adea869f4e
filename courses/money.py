from decimal import Decimal

CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹"}
# Stripe's zero-decimal currencies: amounts have no minor unit.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    }
)


def format_price(amount: Decimal, currency: str) -> str:
    """49 usd -> "$49.00"; 2500 jpy -> "¥2,500"; 10 chf -> "CHF 10.00"."""
    currency = (currency or "").lower()
    places = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
    number = f"{Decimal(amount):,.{places}f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{currency.upper()} {number}"
