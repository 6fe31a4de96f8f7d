"""Bonus rules, periods and settlements (avräkningar) with their lines and warnings."""
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field

from app.common.base import JSONField, MoneyField, Timestamped


class BonusRule(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    priority: int = Field(default=1)
    service_types: list[Any] = JSONField()
    min_age: int | None = None
    max_age: int | None = None
    newly_arrived: bool | None = None
    placements_from: dt.date | None = None
    placements_to: dt.date | None = None
    outcome_kinds: list[Any] = JSONField()
    tiers: list[Any] = JSONField()  # [{"max_days": 90, "amount": "10000.00"}, ...]
    grace_days: int = Field(default=30)
    sustain_days: int = Field(default=90)
    sustain_amount: Decimal = MoneyField(default=Decimal("0.00"))
    # ["B", "C"]: applies only to referrals of these levels; empty: to every referral (a referral
    # with no level matches only rules without levels).
    levels: list[Any] = JSONField()


class Period(Timestamped, table=True):
    """A calendar month; closed once finance has settled everything in it."""

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7, unique=True, index=True)
    closed_at: dt.datetime | None = None
    closed_by_id: int | None = Field(default=None, foreign_key="user.id")


class Settlement(Timestamped, table=True):
    """What one provider is owed for one month; a draft is replaced, an approved one never changes."""

    __table_args__ = (UniqueConstraint("provider_id", "period", name="uq_settlement_provider_period"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    period: str = Field(max_length=7, index=True)
    status: str = Field(default="draft", max_length=10)
    number: str | None = Field(default=None, max_length=20, unique=True)
    credit_note: bool = Field(default=False)
    total_excl_vat: Decimal = MoneyField(default=Decimal("0.00"))
    total_vat: Decimal = MoneyField(default=Decimal("0.00"))
    total_incl_vat: Decimal = MoneyField(default=Decimal("0.00"))
    fingerprint: str = Field(default="", max_length=64)
    # Kept with the lines and warnings they count (storing.store_drafts), so finance's period
    # page reads them with the settlements instead of counting every line of the month.
    line_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    unpaid_days: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    previous_lines: list[Any] = JSONField()  # the lines of the draft this one replaced, for the diff
    approved_at: dt.datetime | None = None
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")


class SettlementLine(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    settlement_id: int = Field(foreign_key="settlement.id", index=True)
    placement_id: int = Field(foreign_key="placement.id", index=True)
    kind: str = Field(max_length=20)
    quantity: Decimal = MoneyField()
    unit_price: Decimal = MoneyField()
    amount: Decimal = MoneyField()
    vat_rate: int
    vat: Decimal = MoneyField()
    ref_period: str | None = Field(default=None, max_length=7)
    ref_kind: str | None = Field(default=None, max_length=20)
    explanation: str = Field(default="")


class SettlementWarning(Timestamped, table=True):
    """Attendance the engine did not pay, and why, so finance can see it: one row per
    placement, reason and run of consecutive days (settlement/unpaid.py), each day's hours kept."""

    id: int | None = Field(default=None, primary_key=True)
    settlement_id: int = Field(foreign_key="settlement.id", index=True)
    placement_id: int = Field(foreign_key="placement.id")
    first_date: dt.date
    last_date: dt.date
    days: int = Field(default=1)  # last_date - first_date + 1
    hours: Decimal = MoneyField()  # the run's unpaid hours in all
    day_hours: str = Field(default="", sa_column=Column(Text, nullable=False))  # "8.00 0.00 6.50"
    reason: str = Field(max_length=20)


class NumberSeries(Timestamped, table=True):
    """Last settlement number given per year; locked while approving so numbers never skip."""

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_number: int = Field(default=0)
