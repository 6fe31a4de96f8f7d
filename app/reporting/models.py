"""What providers report: attendance per placement and date, and outcomes (results)."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.common.base import HoursField, Timestamped

ATTENDANCE_STATUSES = ("present", "absent")
OUTCOME_KINDS = ("employment", "studies")


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
