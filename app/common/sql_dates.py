"""Date arithmetic in SQL that SQLite and PostgreSQL spell differently, for conditions the database
must work out row by row (a column plus some days), so the rows need not be read into Python."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class days_after(FunctionElement[Date]):  # noqa: N801  (named like the SQL functions it stands for)
    """`days_after(column, n)`: the date n days after the column's date (n a bound value, so
    statements that differ only in n share their compiled form)."""

    type = Date()  # type: ignore[assignment]  # SQLAlchemy's own idiom for a function's type
    inherit_cache = True


@compiles(days_after, "sqlite")
def _days_after_sqlite(element: FunctionElement[Date], compiler: SQLCompiler, **kw: Any) -> str:
    day, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date({day}, printf('%+d days', {days}))"


@compiles(days_after, "postgresql")
def _days_after_postgresql(element: FunctionElement[Date], compiler: SQLCompiler, **kw: Any) -> str:
    day, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({day} + {days})"
