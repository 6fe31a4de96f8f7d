"""Offerings (tjänster): one service type at one rate, frozen once a placement uses it."""
from datetime import date
from decimal import Decimal

from sqlmodel import Field

from app.common.base import JSONField, MoneyField, Timestamped
from app.common.labels import RATE_UNITS as RATE_UNITS  # the vocabulary offerings are made of
from app.common.labels import SERVICE_TYPES as SERVICE_TYPES

VAT_RATES = (0, 6, 12, 25)
OFFERING_STATUSES = ("draft", "published", "withdrawn", "closed")


class Offering(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    service_type: str = Field(max_length=20, index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="")
    # The description in other page languages ({"ar": "...", "ti": "..."}); Swedish is `description`.
    descriptions: dict = JSONField(default_factory=dict)
    rate_unit: str = Field(max_length=10)
    rate: Decimal = MoneyField()
    vat_rate: int = Field(default=0)
    start_share: int = Field(default=50)
    # {"B": "140.00", "C": "175.00"}: the rate for a referral of that level; others use `rate`.
    # A price term like the rate: frozen once a placement uses the offering.
    level_rates: dict = JSONField(default_factory=dict)
    capacity: int = Field(default=0)
    area: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=200)
    languages: list = JSONField()
    target_groups: str = Field(default="")
    available_from: date | None = None
    available_to: date | None = None
    default_choice: bool = Field(default=False)
    status: str = Field(default="published", max_length=20, index=True)
    replaces_id: int | None = Field(default=None, foreign_key="offering.id")
