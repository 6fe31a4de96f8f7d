"""Providers (anordnare): organisations that deliver services once approved."""
from datetime import date, datetime

from sqlmodel import Field

from app.common.base import JSONField, Timestamped

PROVIDER_STATUSES = ("applied", "approved", "rejected", "suspended", "terminated")


class Provider(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    org_nr: str = Field(max_length=11, unique=True, index=True)
    name: str = Field(max_length=200)
    status: str = Field(default="applied", max_length=20, index=True)
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    contact_name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=10)
    city: str = Field(default="", max_length=100)
    bankgiro: str = Field(default="", max_length=12)
    plusgiro: str = Field(default="", max_length=12)
    f_skatt: bool = Field(default=False)
    vat_number: str = Field(default="", max_length=20)
    self_billing: bool = Field(default=False)
    insurance: str = Field(default="", max_length=200)
    description: str = Field(default="")
    service_types: list = JSONField()
    decided_at: datetime | None = None
    decision_reason: str = Field(default="")


class ProviderDocument(Timestamped, table=True):
    """A certificate the municipality checks (F-skatt, registration, insurance, credit)."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    kind: str = Field(max_length=30)
    filename: str = Field(max_length=200)
    stored_name: str = Field(max_length=100)
    content_type: str = Field(max_length=50)
    size: int
    expires_on: date | None = None
