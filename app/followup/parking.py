"""Parking, made visible: per provider and level, how much activity clients get, how often
placements are interrupted and how often they lead to work or studies, beside the municipality's
average for the same level. Groups of fewer than five people are hidden (figures.MIN_GROUP).

load() reads a range in three queries; compute() is pure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from app.common.money import round_money
from app.followup.figures import Cell
from app.kundval.models import Attendance, Outcome, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider

RESULT_DAYS = 90
MUNICIPALITY = ""  # the provider key of the municipality's row
LEVEL_ORDER = ("A", "B", "C", "")


@dataclass(frozen=True)
class PlacementHistory:
    provider: str
    level: str  # "A", "B", "C" or "" (no level)
    start: date
    ended_on: date | None
    end_reason: str | None
    hours: Decimal  # attendance hours in the range
    result: bool  # verified work or studies between start and 90 days after the end


@dataclass(frozen=True)
class ParkingRow:
    provider: str  # MUNICIPALITY for the whole municipality
    level: str
    hours_per_week: Cell
    interrupted: Cell  # percent of the placements that ended in the range
    result_rate: Cell  # percent likewise


def load(session: Session, first: date, last: date) -> list[PlacementHistory]:
    rows = session.execute(
        select(Placement.id, Provider.name, Referral.level, Placement.start_date, Placement.ended_on,
               Placement.end_reason)
        .join(Referral, Referral.id == Placement.referral_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .join(Provider, Provider.id == Offering.provider_id)
        .where(Placement.start_date <= last,
               (Placement.ended_on.is_(None)) | (Placement.ended_on >= first))).all()
    hours = dict(session.execute(
        select(Attendance.placement_id, func.sum(Attendance.hours))
        .where(Attendance.status == "present", Attendance.date >= first, Attendance.date <= last)
        .group_by(Attendance.placement_id)).all())
    first_result = dict(session.execute(
        select(Outcome.placement_id, func.min(Outcome.result_date))
        .where(Outcome.verified_on.is_not(None), Outcome.rejected_on.is_(None))
        .group_by(Outcome.placement_id)).all())
    out = []
    for pid, provider, level, start, ended_on, end_reason in rows:
        result_date = first_result.get(pid)
        result = (result_date is not None and ended_on is not None
                  and start <= result_date <= ended_on + timedelta(days=RESULT_DAYS))
        out.append(PlacementHistory(provider, level or "", start, ended_on, end_reason,
                                    Decimal(str(hours.get(pid) or 0)), result))
    return out


def _weeks_in(p: PlacementHistory, first: date, last: date) -> Decimal:
    begin, end = max(p.start, first), min(p.ended_on or last, last)
    return Decimal(max((end - begin).days + 1, 0)) / 7


def _cells(members: list[PlacementHistory], first: date, last: date) -> tuple[Cell, Cell, Cell]:
    weeks = sum((_weeks_in(p, first, last) for p in members), Decimal(0))
    hours = sum((p.hours for p in members), Decimal(0))
    per_week = Cell(round_money(hours / weeks) if weeks else None, len(members))
    ended = [p for p in members if p.ended_on is not None and first <= p.ended_on <= last
             and p.end_reason != "switched"]

    def share(hits: int) -> Cell:
        return Cell(round_money(Decimal(100 * hits) / len(ended)) if ended else None, len(ended))

    return (per_week, share(sum(1 for p in ended if p.end_reason == "interrupted")),
            share(sum(1 for p in ended if p.result)))


def compute(history: list[PlacementHistory], first: date, last: date) -> dict[str, list[ParkingRow]]:
    """level -> the municipality's row first, then one row per provider by name."""
    by_level: dict[str, dict[str, list[PlacementHistory]]] = {}
    for p in history:
        by_level.setdefault(p.level, {}).setdefault(p.provider, []).append(p)
    out = {}
    for level in sorted(by_level, key=LEVEL_ORDER.index):
        providers = by_level[level]
        everyone = [p for members in providers.values() for p in members]
        rows = [ParkingRow(MUNICIPALITY, level, *_cells(everyone, first, last))]
        rows += [ParkingRow(name, level, *_cells(members, first, last))
                 for name, members in sorted(providers.items())]
        out[level] = rows
    return out


def year_view(session: Session, year: int, today: date) -> dict[str, list[ParkingRow]]:
    first, last = date(year, 1, 1), min(date(year, 12, 31), today)
    return compute(load(session, first, last), first, last)
