"""The records of the settlement rules: plain immutable values, built by the loader or by tests.

rules.py re-exports them; they are the spec's vocabulary (settlement.md, "Vocabulary").
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

Period = str  # 'YYYY-MM' (app.common.periods)

# Bump when a rule changes, so fingerprints of old drafts stop matching.
ENGINE_VERSION = "nacka-1"

LINE_KINDS = ("hours", "days", "weeks", "package_start", "package_completion",
              "bonus_result", "bonus_sustained", "adjustment")
KIND_OF_RATE_UNIT = {"hour": "hours", "day": "days", "week": "weeks", "package": "package_start"}
COMPLETING_END_REASONS = frozenset({"completed", "result"})
WARNING_REASONS = ("outside_window", "absent", "zero_hours", "over_cap")

KIND_NAMES_SV = {
    "hours": "timmar", "days": "dagar", "weeks": "veckor", "package_start": "paket, startdel",
    "package_completion": "paket, slutdel", "bonus_result": "resultatbonus",
    "bonus_sustained": "bonus för bestående resultat", "adjustment": "justering",
}


# --- Records -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Offering:
    """Terms are frozen once a placement uses them: a new price is a new offering."""

    ref: str
    provider: str
    service_type: str
    rate_unit: str  # 'hour' | 'day' | 'week' | 'package'
    rate: Decimal
    vat_rate: int
    start_share: int = 50
    level_rates: Mapping[str, Decimal] = field(default_factory=dict)  # level -> rate


@dataclass(frozen=True, slots=True)
class Referral:
    ref: str
    valid_from: date
    valid_to: date
    max_hours_per_week: Decimal | None = None
    level: str | None = None  # 'A' | 'B' | 'C': how far the client is from work


@dataclass(frozen=True, slots=True)
class Placement:
    ref: str
    referral: str
    offering: str
    start_date: date
    ended_on: date | None = None
    end_reason: str | None = None
    client_birth_date: date | None = None
    client_newly_arrived: bool = False


class Attendance(NamedTuple):
    """One day's attendance, or several counted days of one placement merged into one record.

    A tuple, not a dataclass: millions are made per run and a tuple is the cheapest record.
    The database loader merges counted days no rule looks at one by one (merge_counted()):
    `date` is then the earliest of them, `hours` their sum and `days` how many they were.
    """

    placement: str
    date: date
    status: str  # 'present' | 'absent'
    hours: Decimal
    days: int = 1


@dataclass(frozen=True, slots=True)
class Outcome:
    ref: str
    placement: str
    kind: str  # 'employment' | 'studies'
    result_date: date
    verified_on: date | None = None
    sustained_verified_on: date | None = None


@dataclass(frozen=True, slots=True)
class Tier:
    max_days: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class BonusRule:
    """Never edited once it has paid out: new terms are a new rule with placements_from."""

    ref: str
    priority: int
    service_types: tuple[str, ...]
    outcome_kinds: tuple[str, ...]
    tiers: tuple[Tier, ...]
    min_age: int | None = None
    max_age: int | None = None
    newly_arrived: bool | None = None
    placements_from: date | None = None
    placements_to: date | None = None
    grace_days: int = 30
    sustain_days: int = 90
    sustain_amount: Decimal = Decimal("0.00")
    levels: tuple[str, ...] = ()  # empty: every referral, also one without a level


@dataclass(frozen=True, slots=True)
class Line:
    placement: str
    kind: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    vat_rate: int
    vat: Decimal
    ref_period: str | None = None
    ref_kind: str | None = None
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class Warning:  # noqa: A001 - the spec's word; the builtin is not used here
    """An attendance row of the period that was not (fully) paid, and why."""

    placement: str
    date: date
    kind: str  # the line kind the row would have fed: hours, days, weeks, package_start
    hours: Decimal  # the hours not paid
    reason: str  # one of WARNING_REASONS; rules.warning_message() says it in Swedish


OwedByProvider = dict[str, tuple[list[Line], list[Warning]]]  # what owed_all() gives


@dataclass
class Inputs:
    """Everything the rules read; at most one attendance row per (placement, date).

    owed() remembers its results per period and forgets them as soon as a list or dict changes.
    """

    offerings: dict[str, Offering]
    referrals: dict[str, Referral]
    placements: list[Placement]
    attendance: list[Attendance]
    outcomes: list[Outcome]
    bonus_rules: list[BonusRule]
    _memo: dict[object, object] | None = field(default=None, init=False, repr=False, compare=False)


class Totals(NamedTuple):
    excl: Decimal
    vat: Decimal
    incl: Decimal

    @property
    def credit_note(self) -> bool:
        """A settlement whose total (incl. VAT) is negative is a kreditnota."""
        return self.incl < 0
