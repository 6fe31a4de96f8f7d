"""The year's budget frames per post, settlements against them and a run-rate forecast.

A post is a service type or 'bonus' (result and sustainment bonus, and adjustments of them).
Amounts are excluding VAT: the municipality gets its VAT back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from app.common.money import ZERO, round_money
from app.followup.models import BudgetFrame, KeptBudget, KeptChange, KeptYear
from app.followup.values import put_value
from app.kundval.models import Placement
from app.offerings.models import SERVICE_TYPES, Offering
from app.settlement.models import Settlement, SettlementLine

POSTS = (*SERVICE_TYPES, "bonus")
BONUS_KINDS = frozenset({"bonus_result", "bonus_sustained"})
RUN_RATE_MONTHS = 3


def post_of(service_type: str, kind: str, ref_kind: str | None) -> str:
    if kind in BONUS_KINDS or (kind == "adjustment" and ref_kind in BONUS_KINDS):
        return "bonus"
    return service_type


def frames(session: Session, year: int) -> dict[str, Decimal]:
    rows = session.execute(select(BudgetFrame.post, BudgetFrame.amount).where(BudgetFrame.year == year))
    return {post: round_money(Decimal(str(amount))) for post, amount in rows}


def set_frames(session: Session, year: int, amounts: dict[str, Decimal | None]) -> None:
    """Store the year's frames; a post given as None has no frame."""
    existing = {f.post: f for f in session.execute(
        select(BudgetFrame).where(BudgetFrame.year == year)).scalars()}
    for post in POSTS:
        if post not in amounts:
            continue
        amount = amounts[post]
        put_value(session, existing.get(post), amount, "amount",
                  lambda: BudgetFrame(year=year, post=post, amount=amount))  # noqa: B023
    session.flush()


@dataclass
class PostLine:
    post: str
    frame: Decimal | None
    months: dict[str, tuple[Decimal, Decimal]]  # period -> (approved, draft)
    actual: Decimal = ZERO  # approved + draft, the whole year so far
    run_rate: Decimal = ZERO  # per month
    forecast: Decimal = ZERO

    @property
    def over(self) -> bool:
        return self.frame is not None and self.forecast > self.frame

    @property
    def remaining(self) -> Decimal | None:
        return None if self.frame is None else self.frame - self.forecast


@dataclass
class Budget:
    year: int
    months: list[str]
    last_month: str | None  # the latest month with a settlement
    run_rate_months: list[str]
    posts: list[PostLine] = field(default_factory=list)
    total: PostLine | None = None

    @property
    def warnings(self) -> list[PostLine]:
        return [p for p in [*self.posts, self.total] if p is not None and p.over]


def amounts_by_month(session: Session, year: int, drafts_only: bool = False
                     ) -> dict[tuple[str, str, str], Decimal]:
    """(period, status, post) -> sum excl. VAT of the year's settlement lines; one query."""
    stmt = (
        select(Settlement.period, Settlement.status, Offering.service_type, SettlementLine.kind,
               SettlementLine.ref_kind, func.sum(SettlementLine.amount))
        .join(Settlement, Settlement.id == SettlementLine.settlement_id)
        .join(Placement, Placement.id == SettlementLine.placement_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(Settlement.period.like(f"{year:04d}-%"))
        .group_by(Settlement.period, Settlement.status, Offering.service_type, SettlementLine.kind,
                  SettlementLine.ref_kind))
    if drafts_only:
        stmt = stmt.where(Settlement.status != "approved")
    rows = session.execute(stmt)
    result: dict[tuple[str, str, str], Decimal] = {}
    for period, status, service_type, kind, ref_kind, amount in rows:
        key = (period, status, post_of(service_type, kind, ref_kind))
        result[key] = result.get(key, ZERO) + round_money(Decimal(str(amount)))
    return result


def approved_amounts(session: Session, year: int) -> dict[tuple[str, str, str], Decimal]:
    """(period, 'approved', post) -> the kept approved amount of the year's months (written by
    followup/kept.py at approval, on late changes and nightly)."""
    result: dict[tuple[str, str, str], Decimal] = {}
    for period, post, amount in session.execute(
            select(KeptBudget.period, KeptBudget.post, KeptBudget.amount).where(KeptBudget.year == year)):
        result[period, "approved", post] = result.get((period, "approved", post), ZERO) + \
            round_money(Decimal(str(amount)))
    return result


def kept_behind(session: Session, year: int) -> bool:
    """A change (an approval) the kept amounts do not show yet: the budget reads the lines then."""
    row = session.execute(select(KeptChange.version, KeptChange.kept_version)
                          .where(KeptChange.year == year)).one_or_none()
    return row is not None and row[0] > row[1]


def budget(session: Session, year: int) -> Budget:
    """Frames, approved and draft settlements per month, and a forecast to December.

    Approved amounts come from the kept facts once the year has them (app/followup/kept.py).
    Forecast = what is settled so far + the average of the last three settled months (up to the
    latest month with a settlement) × the months left of the year.
    """
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    if session.get(KeptYear, year) is None or kept_behind(session, year):
        amounts = amounts_by_month(session, year)
    else:  # approved months from the kept amounts; only the drafts from the settlement lines
        amounts = {**approved_amounts(session, year), **amounts_by_month(session, year, drafts_only=True)}
    frame_of = frames(session, year)
    with_data = sorted({period for period, _s, _p in amounts})
    last = with_data[-1] if with_data else None
    upto = months[:months.index(last) + 1] if last else []
    window = upto[-RUN_RATE_MONTHS:]
    left = 12 - len(upto)
    result = Budget(year, months, last, window)

    def line(post: str | None, frame: Decimal | None) -> PostLine:
        per_month = {}
        for period in months:
            approved = draft = ZERO
            for (p, status, p_post), amount in amounts.items():
                if p == period and (post is None or p_post == post):
                    if status == "approved":
                        approved += amount
                    else:
                        draft += amount
            per_month[period] = (approved, draft)
        pl = PostLine(post or "total", frame, per_month)
        pl.actual = sum((a + d for a, d in per_month.values()), ZERO)
        if window:
            pl.run_rate = round_money(sum((sum(per_month[p]) for p in window), ZERO) / len(window))
        pl.forecast = pl.actual + pl.run_rate * left
        return pl

    result.posts = [line(post, frame_of.get(post)) for post in POSTS]
    total_frame = sum(frame_of.values(), ZERO) if frame_of else None
    result.total = line(None, total_frame)
    return result
