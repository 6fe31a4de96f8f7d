"""A fair comparison of providers' results: indirect standardisation by level and service type.

A provider's expected number of results is the sum, over its ended placements, of the whole
municipality's result rate for placements of the same level and service type. Observed is
compared with expected by an exact test: the number of results is a sum of independent yes/no
outcomes with those rates (a Poisson-binomial distribution). Only when the observed number lies in
one of its 2.5 % tails is it "fler än väntat" or "färre än väntat"; otherwise "som väntat".
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, inspect, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from app.common.kept_on_change import keep_on_change
from app.common.sql_dates import days_after
from app.kundval.models import KeptEndedGroup, Outcome, Placement, Referral
from app.offerings.models import Offering

FOLLOW_UP_DAYS = 90
TAIL = 0.025  # each side of a two-sided 5 % test


@dataclass(frozen=True)
class FairResult:
    ended: int
    observed: int
    expected: float
    verdict: str  # "more" | "as_expected" | "fewer"

    @property
    def expected_rounded(self) -> int:
        return round(self.expected)


# Probabilities below this are left out of the distribution as it is built: a provider with 1 000
# ended placements has results spread over about ±100 of the expected number, so its distribution is
# built over about 200 values instead of 1 000 (the work per placement is the width, so 5× less
# here and more for larger providers). What is left out sums to under 1e-12 for 5 000 placements,
# far below the 2.5 % tails the verdict compares with.
TRIM = 1e-16


def distribution(rates: Iterable[float], trim: float = 0.0) -> tuple[int, list[float]]:
    """(first, probs): probs[k] = P(exactly first + k results) for independent placements with
    these result rates; with `trim`, values less likely than that at either end are left out."""
    first, probs = 0, [1.0]
    for p in rates:
        q = 1 - p
        probs = [a * q + b * p for a, b in zip(probs + [0.0], [0.0] + probs, strict=True)]
        if trim:
            start, end = 0, len(probs)
            while start < end - 1 and probs[start] < trim:
                start += 1
            while end > start + 1 and probs[end - 1] < trim:
                end -= 1
            first, probs = first + start, probs[start:end]
    return first, probs


def verdict(observed: int, rates: list[float]) -> str:
    first, probs = distribution(rates, TRIM)
    at_least = sum(probs[max(observed - first, 0):])
    at_most = sum(probs[:max(observed - first + 1, 0)])
    if at_least < TAIL:
        return "more"
    if at_most < TAIL:
        return "fewer"
    return "as_expected"


@dataclass(frozen=True)
class EndedGroup:
    """One provider's ended placements of one level and service type, and how many had a result."""

    provider_id: int
    level: str  # "A", "B", "C" or "" (no level)
    service_type: str
    ended: int
    results: int  # with work or studies within 90 days of the end


def standardise(groups: Iterable[EndedGroup], provider_ids: Iterable[int],
                minimum: int) -> dict[int, FairResult | None]:
    """provider -> its observed and expected results; None below `minimum` ended placements.

    From counts per provider, level and service type: the rates and each provider's expected
    number need only how many ended placements of each group it had."""
    groups = list(groups)
    totals: dict[tuple[str, str], list[int]] = {}
    for g in groups:
        counts = totals.setdefault((g.level, g.service_type), [0, 0])
        counts[0] += g.ended
        counts[1] += g.results
    rate = {key: hits / n for key, (n, hits) in totals.items()}
    mine: dict[int, list[EndedGroup]] = {pid: [] for pid in provider_ids}
    for g in groups:
        if g.provider_id in mine:
            mine[g.provider_id].append(g)
    out: dict[int, FairResult | None] = {}
    for pid, own in mine.items():
        ended = sum(g.ended for g in own)
        if ended < minimum:
            out[pid] = None
            continue
        rates = [rate[(g.level, g.service_type)] for g in own for _ in range(g.ended)]
        observed = sum(g.results for g in own)
        out[pid] = FairResult(ended, observed, sum(rates), verdict(observed, rates))
    return out


def ended_groups(session: Session, today: date) -> list[EndedGroup]:
    """Every placement in the municipality that ended at least 90 days ago (switches left out),
    counted per provider, level and service type with those whose first verified result came
    between its start and 90 days after its end: one grouped query, however long the history."""
    cutoff = today - timedelta(days=FOLLOW_UP_DAYS)
    first = (select(Outcome.placement_id, func.min(Outcome.result_date).label("first"))
             .where(Outcome.verified_on.is_not(None), Outcome.rejected_on.is_(None))
             .group_by(Outcome.placement_id).subquery("first_result"))
    hit = case((and_(first.c.first >= Placement.start_date,
                     first.c.first <= days_after(Placement.ended_on, FOLLOW_UP_DAYS)), 1), else_=0)
    level = func.coalesce(Referral.level, "")
    rows = session.exec(
        select(Offering.provider_id, level, Offering.service_type, func.count(), func.sum(hit))
        .join(Offering, Offering.id == Placement.offering_id)
        .join(Referral, Referral.id == Placement.referral_id)
        .outerjoin(first, first.c.placement_id == Placement.id)
        .where(Placement.ended_on.is_not(None), Placement.ended_on <= cutoff,
               Placement.end_reason != "switched")
        .group_by(Offering.provider_id, level, Offering.service_type)).all()
    return [EndedGroup(provider_id, level_, service_type, int(n), int(hits or 0))
            for provider_id, level_, service_type, n, hits in rows]


def fair_results(session: Session, provider_ids: list[int], today: date, minimum: int
                 ) -> dict[int, FairResult | None]:
    if not provider_ids:
        return {}
    return standardise(kept_ended_groups(session, today), provider_ids, minimum)


# -- kept ------------------------------------------------------------------------------------------
# The groups change when a placement ends 90 days back (so with the day), when a result is verified
# or rejected, and when a decision's level or a placement changes: they are kept as of a day, counted
# anew by the first compare page of a day, and forgotten by any such change (the next page counts
# them). A client's page then reads a few hundred rows instead of every ended placement.

_PENDING = "kundval.fairness.pending"
_LOCK = 7_301_017  # PostgreSQL advisory lock: one writer of the kept groups at a time


def kept_ended_groups(session: Session, today: date) -> list[EndedGroup]:
    """ended_groups(session, today), from the kept rows when they are of `today`; otherwise
    counted and kept (in the caller's transaction)."""
    refresh_pending(session)
    kept = session.execute(select(KeptEndedGroup.as_of, KeptEndedGroup.provider_id, KeptEndedGroup.level,
                                  KeptEndedGroup.service_type, KeptEndedGroup.ended,
                                  KeptEndedGroup.results)).all()
    if kept and all(as_of == today for as_of, *_rest in kept):
        return [EndedGroup(*row) for _as_of, *row in kept]
    _lock(session)  # before counting: a change committed while this waited is counted
    groups = ended_groups(session, today)
    session.execute(delete(KeptEndedGroup))
    if groups:
        session.execute(insert(KeptEndedGroup), [
            {"as_of": today, "provider_id": g.provider_id, "level": g.level, "service_type": g.service_type,
             "ended": g.ended, "results": g.results} for g in groups])
    return groups


def forget_kept(session: Session) -> None:
    """After a change they count (or a bulk write round the ORM: the import): the next compare
    page counts anew."""
    _lock(session)
    session.execute(delete(KeptEndedGroup))


def _lock(session: Session) -> None:
    """One writer of the kept groups at a time, to its commit (PostgreSQL; SQLite's BEGIN
    IMMEDIATE already lets one writer in): a page counting them and a change forgetting them
    never leave groups counted before the change."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})


def _changes_groups(obj: Any, how: str) -> bool:
    """Does flushing `obj` (`how`: "new", "dirty" or "deleted") change what the groups count?"""
    if isinstance(obj, Outcome):
        return True
    if how == "deleted":
        return isinstance(obj, Placement | Referral)
    if isinstance(obj, Placement):  # a placement counts only once it has ended
        return obj.ended_on is not None or (how == "dirty" and inspect(obj).attrs.ended_on.history.has_changes())
    if how == "new":
        return False
    if isinstance(obj, Referral):
        return inspect(obj).attrs.level.history.has_changes()
    if isinstance(obj, Offering):
        state = inspect(obj).attrs
        return state.service_type.history.has_changes() or state.provider_id.history.has_changes()
    return False


def _note_changes(session: OrmSession, _flush_context: Any) -> None:
    if not session.info.get(_PENDING) and any(
            _changes_groups(obj, how) for how, objs in (("new", session.new), ("dirty", session.dirty),
                                                         ("deleted", session.deleted)) for obj in objs):
        session.info[_PENDING] = True


def refresh_pending(session: Session) -> None:
    """Forget the kept groups when this session changed what they count."""
    session.flush()
    if session.info.pop(_PENDING, None):
        forget_kept(session)


def watch() -> None:
    """Forget the kept groups on change in every session (called once from create_app())."""
    keep_on_change(_PENDING, _note_changes, refresh_pending)
