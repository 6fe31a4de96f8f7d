"""What the retention job (gallring) did: one row per run, with counts only, never data."""
from datetime import date, datetime

from sqlmodel import Field

from app.common.base import JSONField, Timestamped, utcnow


class RetentionRun(Timestamped, table=True):
    __tablename__ = "retention_run"

    id: int | None = Field(default=None, primary_key=True)
    ran_at: datetime = Field(default_factory=utcnow, index=True)
    today: date  # the day the policy was applied for
    counts: dict = JSONField(default_factory=dict)  # {"clients": 2, "settlements": 0, ...}
    policy: dict = JSONField(default_factory=dict)  # the years in force, for the record
