"""What the provider API reads and writes, as pydantic models: the OpenAPI document is made from them.

Input models validate with the same rules as the screens (dates via common/dates, hours via the
grid's check, periods via common/periods) and raise our error codes with `custom()`, so pydantic
keeps the field's path. Output models type what was built by hand before; a settlement line is
`line_record()` of the export, only typed here.
"""
from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.common.dates import BadDate, parse_date
from app.common.errors import ValidationError
from app.common.money import as_text
from app.common.periods import Month
from app.kundval.models import EMPLOYMENT_FORMS
from app.reporting import grid as grid_service
from app.reporting.api_errors import ApiError, custom

PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
PAGE_DEFAULT, PAGE_MAX = 100, 500


# --- value types -------------------------------------------------------------------------------

def _period(value: Any) -> str:
    if not isinstance(value, str) or not value.isascii():
        raise custom("invalid_period")
    try:
        Month.parse(value)
    except ValueError:
        raise custom("invalid_period") from None
    return value


def _date(value: Any) -> date:
    try:
        return parse_date(value)
    except BadDate:
        raise custom("invalid_date") from None


def _decimal_text(value: Decimal) -> str:
    return as_text(value)


MONEY_TEXT: dict[str, Any] = {"pattern": r"^-?[0-9]+\.[0-9]{2}$", "example": "1920.00"}
Period = Annotated[str, BeforeValidator(_period),
                   Field(json_schema_extra={"pattern": PERIOD_PATTERN, "example": "2026-03"})]
Day = Annotated[date, BeforeValidator(_date), Field(json_schema_extra={"example": "2026-03-02"})]
DecimalText = Annotated[Decimal, PlainSerializer(_decimal_text, return_type=str),
                        Field(json_schema_extra=MONEY_TEXT)]
HOURS_SCHEMA: dict[str, Any] = {"anyOf": [{"type": "string", "pattern": r"^[0-9]{1,2}(\.[0-9]{1,2})?$"},
                          {"type": "number", "exclusiveMinimum": 0, "maximum": 24, "multipleOf": 0.25}, {"type": "null"}],
                "description": "Hours in quarter steps, more than 0 and at most 24; none for absent.",
                "example": "7.50"}
MoneyText = Annotated[str, Field(json_schema_extra=MONEY_TEXT)]


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Input(ApiModel):
    """A body or a set of parameters: unknown names are refused, not ignored.

    `error_codes` are the codes its validation may answer, by status, for the document."""

    error_codes: ClassVar[dict[int, tuple[str, ...]]] = {}


BODY_CODES = ("required", "unknown_field", "invalid_type", "invalid_choice", "text_too_long",
              "invalid_date", "invalid")


# --- parameters --------------------------------------------------------------------------------

def _limit(value: Any) -> int:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() \
            or not 1 <= int(text) <= PAGE_MAX:
        raise custom("invalid_number", low=1, high=PAGE_MAX)
    return int(text)


def _query_date(value: Any) -> date:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise custom("invalid_date")


def _moment(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        if moment is not None:  # a time without a zone is read as UTC, as stored
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise custom("invalid_datetime")


def encode_cursor(placement_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": placement_id}).encode()).decode().rstrip("=")


def _cursor(value: Any) -> int:
    try:
        after = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))["after"]
    except (ValueError, TypeError, KeyError):
        after = None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise custom("invalid_cursor")
    return after


class NoQuery(Input):
    """An operation without query parameters."""


class PlacementQuery(Input):
    error_codes = {400: ("invalid_date", "invalid_datetime", "invalid_number", "invalid_cursor"),
                   422: ("invalid_period",)}

    period: Period | None = Field(None, description="Only placements active some day of this month.")
    active_on: Annotated[date | None, BeforeValidator(_query_date)] = Field(
        None, description="Only placements active on this day.")
    updated_since: Annotated[datetime | None, BeforeValidator(_moment)] = Field(
        None, description="Only placements changed at or after this time (no zone: UTC).",
        json_schema_extra={"example": "2026-03-01T00:00:00Z"})
    limit: Annotated[int, BeforeValidator(_limit)] = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX)
    cursor: Annotated[int | None, BeforeValidator(_cursor), WithJsonSchema({"type": "string"})] = Field(
        None, description="The `next` of the previous page.")


class SettlementQuery(Input):
    error_codes = {422: ("invalid_period",)}

    period: Period | None = Field(None, description="Only this month's settlements.")


class MonthPath(Input):
    error_codes = {422: ("invalid_period",)}

    ref: str = Field(description="The placement's ref.")
    period: Period


class RefPath(Input):
    ref: str = Field(description="The placement's ref.")


class SettlementPath(Input):
    error_codes = {404: ("not_found",)}  # not a whole number: no such path

    settlement_id: int = Field(description="The settlement's id.")


# --- bodies ------------------------------------------------------------------------------------

class DayIn(Input):
    date: Day
    status: Literal["present", "absent"] = "present"
    hours: Decimal | None = Field(None, validate_default=True, json_schema_extra=HOURS_SCHEMA)

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: Any, info: ValidationInfo) -> Decimal | None:
        """Checked by the grid's own rule; an absent day has none (0 is read as none)."""
        if info.data.get("status") == "absent":
            if value not in (None, 0, "0", "0.00"):
                raise custom("absent_with_hours")
            return None
        try:
            return grid_service.check_hours(value, "hours")
        except ValidationError as exc:
            raise PydanticCustomError("invalid_hours", "{message}", {"message": str(exc.message)}) from None


class AttendanceReplace(Input):
    error_codes = {422: (*BODY_CODES, "too_many_items", "invalid_hours", "absent_with_hours",
                         "duplicate_date")}

    days: list[DayIn] = Field(max_length=31, description="The month's days; days not listed are removed.")
    reason: str = Field("", max_length=500, description=(
        "Required when the month has been submitted or settled (an approved settlement or a closed "
        "period)."))

    def cells(self, placement_id: int) -> tuple[dict[tuple[int, date], Any], dict[tuple[int, date], str]]:
        """The grid's (placement, day) -> cell and -> field path, refusing a date listed twice."""
        wanted: dict[tuple[int, date], Any] = {}
        fields: dict[tuple[int, date], str] = {}
        for i, day in enumerate(self.days):
            key = (placement_id, day.date)
            if key in wanted:
                raise ApiError("duplicate_date", f"days[{i}].date")
            wanted[key] = ("absent", Decimal(0)) if day.status == "absent" else ("present", day.hours)
            fields[key] = f"days[{i}].date"
        return wanted, fields


class OutcomeIn(Input):
    error_codes = {422: BODY_CODES}

    kind: Literal["employment", "studies"]
    result_date: Day
    employer: str = Field(max_length=200, description="The employer or the school.")
    extent: str = Field(max_length=100, description="Full time, 50 % …")
    employment_form: Literal["", *EMPLOYMENT_FORMS] | None = Field(  # type: ignore[valid-type]
        None, description="For work only.")
    reason: str = Field("", max_length=500,
                        description="Required when result_date lies in a settled month.")


# --- answers -----------------------------------------------------------------------------------

class PlacementOut(ApiModel):
    ref: str
    client_name: str
    offering_title: str | None
    service_type: str = Field(json_schema_extra={"example": "arbetstraning"})
    rate_unit: Literal["hour", "day", "week", "package"]
    start_date: date
    ended_on: date | None
    end_reason: str | None
    window_from: date = Field(description="The first day attendance may be reported.")
    window_to: date = Field(description="The last day attendance may be reported.")
    max_hours_per_week: DecimalText | None

    @classmethod
    def of(cls, row: Any, placement: Any) -> PlacementOut:
        return cls(ref=row.ref, client_name=row.client_name, offering_title=row.offering_title,
                   service_type=row.service_type, rate_unit=row.rate_unit,
                   start_date=placement.start_date, ended_on=placement.ended_on,
                   end_reason=placement.end_reason, window_from=row.window_from,
                   window_to=row.window_to, max_hours_per_week=row.cap)


class PlacementPage(ApiModel):
    """A page of your placements."""

    placements: list[PlacementOut]
    next: str | None = Field(description="The cursor of the next page; null on the last.")
    next_url: str | None = Field(None, description="The next page's URL; absent on the last.")


class DayOut(ApiModel):
    date: date
    status: Literal["present", "absent"]
    hours: DecimalText


class AttendanceOut(ApiModel):
    """A placement's month of attendance, as stored."""

    placement: str
    period: str = Field(json_schema_extra={"pattern": PERIOD_PATTERN})
    submitted: bool
    settled: bool = Field(description="The month is settled: changes need a reason.")
    days: list[DayOut]
    changed: int | None = Field(None, description="How many days the PUT changed (PUT only).")


class OutcomeOut(ApiModel):
    """A reported result and whether a case worker has verified it."""

    ref: str
    placement: str
    kind: Literal["employment", "studies"]
    result_date: date
    employer: str
    extent: str
    employment_form: str | None
    status: Literal["pending", "verified", "rejected"]
    verified_on: date | None


class OutcomeList(ApiModel):
    """The results reported for a placement, newest first."""

    outcomes: list[OutcomeOut]


class SettlementLineOut(ApiModel):
    """One line as the export writes it (app/settlement/export.py `line_record`)."""

    placement: str
    kind: str
    quantity: MoneyText
    unit_price: MoneyText
    amount: MoneyText
    vat_rate: int
    vat: MoneyText
    ref_period: str | None
    ref_kind: str | None


class Documents(ApiModel):
    pdf: str
    peppol: str


class SettlementOut(ApiModel):
    id: int
    number: str | None
    period: str = Field(json_schema_extra={"pattern": PERIOD_PATTERN})
    credit_note: bool
    total_excl_vat: DecimalText
    total_vat: DecimalText
    total_incl_vat: DecimalText
    approved_at: datetime | None
    documents: Documents
    lines: list[SettlementLineOut]


class SettlementList(ApiModel):
    """Your approved settlements with their lines."""

    settlements: list[SettlementOut]


class ErrorItem(ApiModel):
    code: str = Field(description="Stable: see the list of codes in the API's description.")
    field: str | None = Field(description="JSON path in the body (days[3].hours) or the "
                                          "parameter's name; null for the request as a whole.")
    message: str = Field(description="For a person, in the language of Accept-Language (sv, en).")


class ErrorDetail(ErrorItem):
    status: int
    errors: list[ErrorItem] = Field(description="Every problem found; the first is the one above.")


class ErrorBody(ApiModel):
    error: ErrorDetail
