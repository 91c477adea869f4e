"""Reading values out of Stripe's objects (an event's `data.object`, a listed
object) with their types checked. A signed event is Stripe's word, but its
values still reach the database: an id of the wrong shape, an amount that is
text, a dict where a string belongs can never succeed, so each reader raises
PermanentEventError with a reason staff can read (the event is stored as
failed and answered 200) rather than letting a TypeError or DataError make a
500 that Stripe retries for three days."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from payments.services.errors import PermanentEventError

# Stripe's ids: letters, digits and underscores (cs_test_a1B2…, pi_…, re_…, dp_…).
STRIPE_ID_RE = re.compile(r"[A-Za-z0-9_]{1,255}")
# Primary keys in metadata: a positive integer that fits a bigint.
PK_RE = re.compile(r"[1-9][0-9]{0,17}")
CURRENCY_RE = re.compile(r"[A-Za-z]{3}")
MAX_MINOR_AMOUNT = (
    10**11
)  # the largest amount a DecimalField(max_digits=10, decimal_places=2) holds, in cents
MAX_TIMESTAMP = 253402300799  # 9999-12-31


def mapping(value: Any, *, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PermanentEventError(f"{what} is not an object: {_show(value)}")
    return value


def stripe_id(obj: Mapping[str, Any], key: str = "id", *, what: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not STRIPE_ID_RE.fullmatch(value):
        raise PermanentEventError(f"{what} has no valid {key}: {_show(value)}")
    return value


def optional_stripe_id(obj: Mapping[str, Any], key: str, *, what: str) -> str:
    """The id under `key`, or "" when it is absent or null."""
    if obj.get(key) is None:
        return ""
    return stripe_id(obj, key, what=what)


def minor_amount(obj: Mapping[str, Any], key: str, *, what: str, default: int | None = None) -> int:
    """A non-negative amount in minor units (an int, not a bool, not text)."""
    value = obj.get(key, default)
    if value is None and default is not None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_MINOR_AMOUNT:
        raise PermanentEventError(f"{what}: {key} is not an amount in minor units: {_show(value)}")
    return value


def timestamp(
    obj: Mapping[str, Any], key: str = "created", *, what: str, required: bool = False
) -> datetime | None:
    """A Unix timestamp as an aware datetime; None when absent (unless `required`)."""
    value = obj.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIMESTAMP:
        raise PermanentEventError(f"{what}: {key} is not a Unix timestamp: {_show(value)}")
    return datetime.fromtimestamp(value, tz=UTC)


def choice(obj: Mapping[str, Any], key: str, choices: Any, *, what: str, default: str | None = None) -> str:
    """A value of `choices` (a TextChoices class); `default` when absent."""
    value = obj.get(key)
    if value is None and default is not None:
        return default
    if not isinstance(value, str) or value not in choices.values:
        raise PermanentEventError(f"{what}: {key} is not one of {', '.join(choices.values)}: {_show(value)}")
    return value


def currency(obj: Mapping[str, Any], *, what: str) -> str:
    value = obj.get("currency")
    if value is None:
        return ""
    if not isinstance(value, str) or not CURRENCY_RE.fullmatch(value):
        raise PermanentEventError(f"{what}: currency is not a currency code: {_show(value)}")
    return value.lower()


def short_text(obj: Mapping[str, Any], key: str, *, what: str, max_length: int) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PermanentEventError(f"{what}: {key} is not text: {_show(value)}")
    return value[:max_length]


def metadata_pk(metadata: Mapping[str, Any], key: str, *, what: str) -> int | None:
    """A primary key that Doctrina put in metadata (a string of digits); None when absent."""
    value = metadata.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not PK_RE.fullmatch(value):
        raise PermanentEventError(f"{what}: metadata {key} is not an id: {_show(value)}")
    return int(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --- text the database refuses ----------------------------------------------------------

_REFUSED = re.compile(r"[\x00\ud800-\udfff]")  # NUL (PostgreSQL), lone surrogates (not UTF-8)


def clean_for_database(value: Any) -> tuple[Any, bool]:
    """`value` (parsed JSON) with every NUL byte and lone surrogate, in keys and
    strings, replaced by U+FFFD, and whether anything was replaced. Replaced, not
    removed: "evt_1\\x00" must not become the id of another event."""
    changed = False

    def clean(node: Any) -> Any:
        nonlocal changed
        if isinstance(node, str):
            if _REFUSED.search(node):
                changed = True
                return _REFUSED.sub("\ufffd", node)
            return node
        if isinstance(node, dict):
            return {clean(k): clean(v) for k, v in node.items()}
        if isinstance(node, list):
            return [clean(item) for item in node]
        return node

    return clean(value), changed
