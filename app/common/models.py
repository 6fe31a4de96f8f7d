"""The access log (who saw which client's data) and the audit log (who changed what)."""
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column
from sqlmodel import Field

from app.common.base import Timestamped, utcnow


class AccessLog(Timestamped, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: Optional[int] = Field(default=None, foreign_key="user.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    page: str = Field(max_length=200)


class AuditLog(Timestamped, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: Optional[int] = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=50)
    entity: str = Field(max_length=50, index=True)
    entity_id: Optional[int] = None
    before: Optional[dict] = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Optional[dict] = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str = Field(default="")
