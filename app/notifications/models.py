"""The outbox table: every message the platform sends, kept whether or not it is e-mailed."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
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
    # The message as written (msgid and variables, see service.message_data), so each reader gets it in
    # their own language; subject and body keep the Swedish text (evidence, and old rows have no more).
    subject_msg: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    body_msg: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    key: str = Field(default="", max_length=120, index=True)  # makes repeated jobs idempotent
    sent_at: datetime | None = None
    read_at: datetime | None = None
