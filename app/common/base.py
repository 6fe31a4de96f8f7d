"""Shared column helpers for the table models: timestamps, money, JSON."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Numeric
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_ref(prefix: str) -> str:
    """A key for records made in the app (imported ones keep the caller's ref)."""
    return f"{prefix}-{secrets.token_hex(4).upper()}"


class Timestamped(SQLModel):
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, nullable=False,
                                 sa_column_kwargs={"onupdate": utcnow})


def MoneyField(default: Any = ..., nullable: bool = False, **kw: Any) -> Any:  # noqa: N802
    """A Numeric(12,2) column read as Decimal."""
    if default is ...:
        return Field(sa_column=Column(Numeric(12, 2), nullable=nullable), **kw)
    return Field(default=default, sa_column=Column(Numeric(12, 2), nullable=nullable), **kw)


def HoursField(default: Any = ..., nullable: bool = False) -> Any:  # noqa: N802
    if default is ...:
        return Field(sa_column=Column(Numeric(6, 2), nullable=nullable))
    return Field(default=default, sa_column=Column(Numeric(6, 2), nullable=nullable))


def JSONField(default_factory: Callable[[], Any] = list) -> Any:  # noqa: N802
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


__all__ = ["Decimal", "Timestamped", "MoneyField", "HoursField", "JSONField", "utcnow", "new_ref"]
