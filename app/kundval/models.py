"""Clients, their referrals (beslut), placements (the chosen offering), attendance and outcomes."""
import datetime as dt
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.common.base import HoursField, JSONField, Timestamped
from app.common.labels import OUTCOME_KINDS as OUTCOME_KINDS  # the kinds a result can be

LEVELS = ("A", "B", "C")
CHOSEN_BY = ("client", "case_worker", "default")
END_REASONS = ("completed", "result", "interrupted", "switched")
FOLLOWUP_KINDS = ("sustain", "after_end")
FOLLOWUP_ANSWERS = ("yes", "no", "not_reached")
ATTENDANCE_STATUSES = ("present", "absent")
EMPLOYMENT_FORMS = ("regular", "extratjanst", "introduktionsjobb", "lonebidrag")


class Client(Timestamped, table=True):
    """A person; the personnummer is stored encrypted with a keyed hash for look-ups."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    personal_id_encrypted: str = Field(max_length=300)
    personal_id_hash: str = Field(max_length=64, unique=True, index=True)
    birth_date: date
    gender: str = Field(default="", max_length=1)
    name: str = Field(max_length=200)
    newly_arrived: bool = Field(default=False)
    children_in_household: bool = Field(default=False)
    language: str = Field(default="sv", max_length=10)
    # The page language the client chose (app.common.languages); unset, `language` decides.
    page_language: str | None = Field(default=None, max_length=10)
    # Where the client lives, in the same area names as offerings: "nearest" default placements.
    area: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)
    needs_interpreter: bool = Field(default=False)
    case_worker_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", unique=True)


class Referral(Timestamped, table=True):
    """A case worker's decision (beslut): a service type, valid from–to, optional weekly cap."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    service_type: str = Field(max_length=20)
    decided_on: date
    valid_from: date
    valid_to: date
    max_hours_per_week: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(6, 2), nullable=True))
    choice_deadline: date | None = None
    # The case worker's assessment of how far the client is from work (settlement.md, "Levels"):
    # "A" near, "B" some way, "C" far; None when not assessed. Prices and bonuses follow it.
    level: str | None = Field(default=None, max_length=1)
    case_worker_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    # A withdrawn decision no longer counts: no choice, no no-choice placement, no overlap.
    withdrawn_on: date | None = None
    withdrawal_reason: str = Field(default="", max_length=500)


class LevelAssessment(Timestamped, table=True):
    """The case worker's answers behind a referral's level (app/kundval/levels.py, docs/levels.md)."""

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", unique=True, index=True)
    answers: dict = JSONField(default_factory=dict)  # question key -> option key
    points: int
    suggested_level: str = Field(max_length=1)
    level: str = Field(max_length=1)
    # Required when the level departs from the suggestion.
    reason: str = Field(default="", max_length=500)
    assessed_by_id: int | None = Field(default=None, foreign_key="user.id")


class Placement(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, index=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    offering_id: int = Field(foreign_key="offering.id", index=True)
    chosen_by: str = Field(default="client", max_length=20)
    start_date: date
    # Indexed: the results shown to clients read ended placements only (kundval/fairness.py, choice.py).
    ended_on: date | None = Field(default=None, index=True)
    end_reason: str | None = Field(default=None, max_length=20)
    # The first meeting the provider books with the client after the choice (local time).
    first_meeting_on: date | None = None
    first_meeting_time: time | None = None
    first_meeting_place: str = Field(default="", max_length=200)


class PayrollEntry(Timestamped, table=True):
    """A client's pay from one employer in one month, from the employer declarations (exchange.md).

    Only clients' rows are kept. The employer is kept as a keyed hash (a sole trader's
    organisation number is a personnummer) and, for organisations, their number for display.
    """

    __table_args__ = (UniqueConstraint("client_id", "employer_key", "period", name="uq_payroll_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    employer_key: str = Field(max_length=64)
    employer_org_nr: str = Field(default="", max_length=11)  # empty for a sole trader
    period: str = Field(max_length=7, index=True)
    gross_pay: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))


class AttendanceDispute(Timestamped, table=True):
    """A day the client says "jag var inte där" about; the case worker resolves it.

    Keyed by placement and date, not by the attendance row, which the provider may correct.
    Payment is not held back by a dispute (the settlement reads attendance as reported).
    """

    __table_args__ = (UniqueConstraint("placement_id", "date", name="uq_attendance_dispute"),)

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placement.id", index=True)
    date: date
    reported_hours: Decimal = Field(sa_column=Column(Numeric(6, 2), nullable=False))
    comment: str = Field(default="", max_length=300)
    # open | correct (the provider is asked to correct the report) | confirmed (the report stands)
    status: str = Field(default="open", max_length=10, index=True)
    resolved_on: date | None = None
    resolved_by_id: int | None = Field(default=None, foreign_key="user.id")


class ClientLoginCode(Timestamped, table=True):
    """A one-time code a case worker hands the client; expires, single use, kept hashed."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    expires_at: datetime
    used_at: datetime | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class DefaultChoiceSetting(Timestamped, table=True):
    """How the no-choice alternative is picked per service type: one offering, nearest, or random."""

    service_type: str = Field(primary_key=True, max_length=20)
    mode: str = Field(default="offering", max_length=20)  # offering | nearest | random
    offering_id: int | None = Field(default=None, foreign_key="offering.id")


class FollowUp(Timestamped, table=True):
    """The case worker's follow-up of a placement: in work or studies on the due day? yes/no/not reached.

    `sustain`: at the bonus rule's sustain_days after a verified result; `after_end`: 90 days after
    the placement ended (Lund's figure).
    """

    __table_args__ = (UniqueConstraint("placement_id", "kind", name="uq_followup_placement_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placement.id", index=True)
    kind: str = Field(max_length=20)
    due_on: date
    answer: str = Field(max_length=20)
    recorded_on: date
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")


# What providers report for a placement: attendance per date, and outcomes (results) ----------

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


# Which days of a month have a row, kept (app/kundval/reported_days.py) ------------------------------

class ReportedDays(SQLModel, table=True):
    """One row per placement and month with attendance: bit d-1 of `days` is set when day d has
    a row (present or absent). The grid's "missing days" filter reads these instead of looking
    for a row on every weekday of every placement (12 000 look-ups at 663 placements)."""

    placement_id: int = Field(sa_column=Column(Integer, ForeignKey("placement.id", ondelete="CASCADE"),
                                               primary_key=True))
    period: str = Field(max_length=7, primary_key=True)
    days: int = 0


# Each placement's window, provider and client name, kept (app/kundval/placement_windows.py) -----

class PlacementWindow(SQLModel, table=True):
    """One row per placement: its provider, its client's name, its ref and its window (the days
    of the placement inside its decision, `window_from` after `window_to` when there are none).
    The provider's grid, results form and API list page, sort and search these narrow rows, then
    read the page's placements whole; joining every placement of a large provider to its decision
    and client before the sort was most of those pages' database time (12 ms at 2 154)."""

    __table_args__ = (Index("ix_placementwindow_provider_name", "provider_id", "client_name", "ref"),
                      Index("ix_placementwindow_provider_placement", "provider_id", "placement_id"))

    placement_id: int = Field(sa_column=Column(Integer, ForeignKey("placement.id", ondelete="CASCADE"),
                                               primary_key=True, autoincrement=False))
    provider_id: int
    client_name: str = Field(max_length=200)
    ref: str = Field(max_length=64)
    window_from: date
    window_to: date


# The municipality's ended placements per provider, level and service type, kept (fairness.py) -----

class KeptEndedGroup(SQLModel, table=True):
    """fairness.ended_groups as of `as_of`: every client's compare page weighs the providers'
    results against the whole municipality's, which was a grouped query over every ended
    placement on every view (20 ms at 20 000 clients with a year's history)."""

    id: int | None = Field(default=None, primary_key=True)
    as_of: date
    provider_id: int
    level: str = Field(max_length=1)  # "" for no level
    service_type: str = Field(max_length=20)
    ended: int
    results: int


# What the case worker's list shows of each client, kept (app/kundval/casefacts.py) ---------------

class CaseFacts(SQLModel, table=True):
    """One row per client: their latest decision, its status and each filter's flag as of `as_of`.

    Worked out from the decisions, placements, attendance, results and follow-ups when any of them
    changes (in the same transaction) and for every client once a day, so the list reads these rows
    alone: paging, sorting and every count cost the same whatever the clients' history.
    """

    __tablename__ = "case_facts"
    # The list's default order, everyone's and one case worker's, read in index order to a page.
    __table_args__ = (Index("ix_case_facts_priority", "priority", "deadline", "name_key", "client_id"),
                      Index("ix_case_facts_worker_priority", "case_worker_id", "priority", "deadline", "name_key",
                            "client_id"))

    client_id: int = Field(sa_column=Column(Integer, ForeignKey("client.id", ondelete="CASCADE"),
                                            primary_key=True, autoincrement=False))
    case_worker_id: int | None = Field(default=None, index=True)
    as_of: date = Field(index=True)
    # The bonus rules' sustain days the follow-up flag was worked out with ("praktik:90,...").
    rules: str = Field(default="", max_length=200)
    referral_id: int | None = None
    status: str = Field(max_length=10)  # none | withdrawn | placed | ended | waiting
    name_key: str = Field(max_length=200)  # the name in lower case, for search and sorting
    born: date
    children: bool = False
    service_type: str | None = Field(default=None, max_length=20)
    deadline: date | None = None
    deadline_soon: int = 0
    # children in the household first, then waiting, placed, no decision, the rest (caselist.PRIORITY)
    priority: int = 0
    no_first_meeting: int = 0
    attendance_missing: int = 0
    to_verify: int = 0
    followup_due: int = 0
    disputed: int = 0
