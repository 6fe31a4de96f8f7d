"""What providers report: attendance per placement and date, and outcomes (results)."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.common.base import HoursField, Timestamped

ATTENDANCE_STATUSES = ("present", "absent")
OUTCOME_KINDS = ("employment", "studies")
EMPLOYMENT_FORMS = ("regular", "extratjanst", "introduktionsjobb", "lonebidrag")


class Attendance(Timestamped, table=True):
    __table_args__ = (UniqueConstraint("placement_id", "date", name="uq_attendance_placement_date"),)

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placement.id")
    date: dt.date = Field(index=True)
    status: str = Field(default="present", max_length=10)
    hours: Decimal = HoursField(default=Decimal("0"))


class Outcome(Timestamped, table=True):
    """A result: work or studies that began on result_date, verified by a case worker."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    placement_id: int = Field(foreign_key="placement.id", index=True)
    kind: str = Field(max_length=20)
    result_date: dt.date
    verified_on: dt.date | None = None
    sustained_verified_on: dt.date | None = None
    employer: str = Field(default="", max_length=200)
    extent: str = Field(default="", max_length=100)
    rejected_on: dt.date | None = None
    rejection_reason: str = Field(default="")
    # employment: regular, extratjanst, introduktionsjobb, lonebidrag (followed up by management)
    employment_form: str = Field(default="", max_length=30)
    reported_at: dt.datetime | None = None
    reported_by_id: int | None = Field(default=None, foreign_key="user.id")
    verified_by_id: int | None = Field(default=None, foreign_key="user.id")


class MonthReport(Timestamped, table=True):
    """A provider's "the month is reported" mark; later changes need a reason (audit log)."""

    __table_args__ = (UniqueConstraint("provider_id", "period", name="uq_monthreport_provider_period"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    period: str = Field(max_length=7, index=True)
    submitted_at: dt.datetime
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")
