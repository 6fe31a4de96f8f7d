"""What providers mark as reported: the month report (attendance and outcomes are kundval's)."""
import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.common.base import Timestamped


class MonthReport(Timestamped, table=True):
    """A provider's "the month is reported" mark; later changes need a reason (audit log)."""

    __table_args__ = (UniqueConstraint("provider_id", "period", name="uq_monthreport_provider_period"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    period: str = Field(max_length=7, index=True)
    submitted_at: dt.datetime
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")
