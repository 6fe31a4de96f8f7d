"""The outbox table: every message the platform sends, kept whether or not it is e-mailed."""
from datetime import datetime

from sqlmodel import Field

from app.common.base import Timestamped


class Notification(Timestamped, table=True):
    """The outbox: every message the platform sends is kept here, and e-mailed when configured."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    role: str = Field(default="", max_length=20, index=True)  # for messages to everyone in a role
    email: str = Field(default="", max_length=200)
    subject: str = Field(max_length=200)
    body: str = Field(default="")
    key: str = Field(default="", max_length=120, index=True)  # makes repeated jobs idempotent
    sent_at: datetime | None = None
    read_at: datetime | None = None
