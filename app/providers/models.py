"""Providers (anordnare): organisations that deliver services once approved."""
from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.common.base import JSONField, Timestamped

PROVIDER_STATUSES = ("applied", "approved", "rejected", "suspended", "terminated")
PROVIDER_KINDS = ("company", "social_enterprise", "nonprofit", "own_unit")


class Provider(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    org_nr: str = Field(max_length=11, unique=True, index=True)
    name: str = Field(max_length=200)
    status: str = Field(default="applied", max_length=20, index=True)
    # company | social_enterprise | nonprofit | own_unit (exchange.md: optional `kind`).
    kind: str = Field(default="company", max_length=20)
    iop: bool = Field(default=False)  # a non-profit in an idéburet offentligt partnerskap
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


class ProviderInvitation(Timestamped, table=True):
    """A one-time link for a colleague to join a provider; only the token's hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    email: str = Field(max_length=200)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    expires_at: datetime
    used_at: datetime | None = None
    invited_by_id: int | None = Field(default=None, foreign_key="user.id")


class ApiToken(Timestamped, table=True):
    """A provider's API token for /api/v1/; stored hashed, shown once when created."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=12, index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None  # None only for tokens made before tokens expired


class IdempotencyRecord(Timestamped, table=True):
    """The stored answer to a write made with an Idempotency-Key, so a retry never counts twice."""

    __table_args__ = (UniqueConstraint("provider_id", "key", name="uq_idempotency_provider_key"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    key: str = Field(max_length=200)
    method: str = Field(max_length=10)
    path: str = Field(max_length=300)
    request_hash: str = Field(max_length=64)
    status_code: int = Field(default=200)
    response_body: str = Field(default="")
