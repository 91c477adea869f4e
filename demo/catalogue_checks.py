"""Checking the tables of the demo catalogue file (demo/catalogue.py reads it).

Every check raises CatalogueError with the address of the entry at fault:
`catalogue.toml > courses[2] 'SQL That Scales' > modules[1] 'Querying'`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class CatalogueError(ValueError):
    """The data file is not a valid catalogue; the message names the entry."""


# key -> (type of its value, required?)
Spec = Mapping[str, tuple[type, bool]]

TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", list: "an array", dict: "a table"}


def checked_table(value: Any, where: str, spec: Spec) -> dict[str, Any]:
    """`value` as a table with only the keys of `spec`, each of its type, and every required one."""
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: expected a table, found {value!r}")
    for key, item in value.items():
        if key not in spec:
            raise CatalogueError(f"{where}: unknown key {key!r} (allowed: {', '.join(spec)})")
        expected = spec[key][0]
        # A TOML boolean is a Python int too: `duration = true` is a mistake.
        if not isinstance(item, expected) or (isinstance(item, bool) and expected is not bool):
            raise CatalogueError(f"{where}: {key!r} must be {TYPE_NAMES[expected]}, not {item!r}")
    missing = [key for key, (_, required) in spec.items() if required and key not in value]
    if missing:
        raise CatalogueError(f"{where}: missing key {missing[0]!r}")
    return value


def one_of(value: str, choices: list[str], where: str, key: str) -> str:
    if value not in choices:
        raise CatalogueError(f"{where}: {key} {value!r} is not one of {', '.join(choices)}")
    return value


def strings(value: list, where: str, key: str, what: str) -> list[str]:
    """An array of strings (`enrolled_in`, `completed`)."""
    for item in value:
        if not isinstance(item, str):
            raise CatalogueError(f"{where}: {key!r} lists {what}, not {item!r}")
    return value


def unique(keys: list[str], where: str, what: str, *, ignore_case: bool = False) -> None:
    seen = set()
    for key in keys:
        folded = key.casefold() if ignore_case else key
        if folded in seen:
            raise CatalogueError(f"{where}: {what} {key!r} appears twice")
        seen.add(folded)


def entries(values: list, where: str, name: str, label: str = "title") -> Iterator[tuple[Any, str]]:
    """Each entry of an array with a readable address: `lessons[2] 'Your first model'`."""
    for index, value in enumerate(values, start=1):
        named = f" {value[label]!r}" if isinstance(value, dict) and isinstance(value.get(label), str) else ""
        yield value, f"{where} > {name}[{index}]{named}"
