"""Procurement under LOV: the published conditions (förfrågningsunderlag) and the contracts."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.common.base import JSONField, MoneyField, Timestamped

CONDITIONS_STATUSES = ("draft", "published")
# fixed: the municipality sets the rate; ceiling: at most the amount; free: the provider sets it.
PRICE_RULES = ("fixed", "ceiling", "free")
CONTRACT_STATUSES = ("offered", "active", "ended")
CHANGE_STATUSES = ("pending", "accepted", "declined", "lapsed")  # lapsed: not accepted in time


class Conditions(Timestamped, table=True):
    """One version of the conditions for one service type; a published version never changes."""

    __table_args__ = (UniqueConstraint("service_type", "version", name="uq_conditions_version"),)

    id: int | None = Field(default=None, primary_key=True)
    service_type: str = Field(max_length=20, index=True)
    version: int = Field(default=1)
    status: str = Field(default="draft", max_length=20, index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="")
    req_documents: str = Field(default="")
    req_insurance: str = Field(default="")
    req_staff: str = Field(default="")
    req_languages: str = Field(default="")
    compensation: str = Field(default="")
    contract_months: int = Field(default=24)
    price_rule: str = Field(default="free", max_length=10)
    price_unit: str = Field(default="", max_length=10)  # a rate unit; "" under free pricing
    price_amount: Decimal | None = MoneyField(default=None, nullable=True)
    # {"B": "140.00"}: the fixed rate or ceiling for a level; other levels use price_amount.
    level_amounts: dict = JSONField(default_factory=dict)
    published_at: datetime | None = None
    published_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class Contract(Timestamped, table=True):
    """A provider's contract: the accepted version per service type, from start to end."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    status: str = Field(default="offered", max_length=20, index=True)
    # {"praktik": <conditions id>}: the terms that apply now, one version per service type.
    terms: dict = JSONField(default_factory=dict)
    start_date: date
    end_date: date
    accepted_at: datetime | None = None
    accepted_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class ContractChange(Timestamped, table=True):
    """A new version sent to a contracted provider, to accept by a date; until then the old terms apply."""

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    conditions_id: int = Field(foreign_key="conditions.id", index=True)
    service_type: str = Field(max_length=20)
    accept_by: date
    status: str = Field(default="pending", max_length=20)
    decided_at: datetime | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
