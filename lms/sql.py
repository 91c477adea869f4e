"""Annotations whose SQL is compiled once per process.

Django builds and compiles a nested subquery anew for every queryset that
uses it. For the correlated subqueries the student pages annotate ("continue",
the figures on course cards) that costs more CPU than the database spends
running them: about 3 ms a request for "continue" against well under 1 ms of
SQL (measured; bench/results.md). `precompiled` compiles such an expression
once per process and database vendor, against a plain queryset of the model
it is annotated on, and hands out RawSQL of the result. The expression itself
stays written once, with the ORM, in the module that owns its rule.

For expressions that refer to the outer row only through OuterRef, take no
per-request values, and are annotated on querysets of `model` whose own table
keeps its name (no self-join): the compiled SQL names the outer table."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, Model
from django.db.models.expressions import RawSQL


def precompiled(model: type[Model], build: Callable[..., Expression], *args: Hashable) -> RawSQL:
    """`build(*args)` for querysets of `model`, as SQL compiled once."""
    connection = connections[DEFAULT_DB_ALIAS]
    sql, params, output_field = _compile(model, build, args, connection.vendor)
    return RawSQL(sql, params, output_field=output_field)  # noqa: S611 - SQL the ORM compiled, no user input


@cache
def _compile(model: type[Model], build: Callable[..., Expression], args: tuple, vendor: str):
    query = model._default_manager.annotate(_precompiled=build(*args)).query
    connection = connections[DEFAULT_DB_ALIAS]
    expression = query.annotations["_precompiled"]
    sql, params = query.get_compiler(connection=connection).compile(expression)
    return sql, tuple(params), expression.output_field
