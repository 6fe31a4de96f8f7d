"""Users and their roles; a provider user belongs to one provider (a client user is named by Client.user_id)."""
from datetime import datetime

from flask_login import UserMixin
from sqlmodel import Field

from app.common.base import Timestamped

ROLES = ("admin", "case_worker", "finance", "provider", "client")


class User(UserMixin, Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(default="", max_length=200)
    role: str = Field(max_length=20, index=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    active: bool = Field(default=True)
    last_login_at: datetime | None = None

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active
