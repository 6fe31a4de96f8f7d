"""The access log (who saw which client's data) and the audit log (who changed what)."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field

from app.common.base import Timestamped, utcnow


class AccessLog(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    # One client, or None for a list; client_count says how many clients the view showed.
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    client_count: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    page: str = Field(max_length=200)


class AuditLog(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=50)
    entity: str = Field(max_length=50, index=True)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str = Field(default="")
