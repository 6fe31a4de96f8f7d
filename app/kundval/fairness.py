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

from sqlalchemy import func
from sqlmodel import Session, select

from app.kundval.models import Outcome, Placement, Referral
from app.offerings.models import Offering

FOLLOW_UP_DAYS = 90
TAIL = 0.025  # each side of a two-sided 5 % test


@dataclass(frozen=True)
class Ended:
    """An ended placement: whose, which group, and whether a result came within 90 days."""

    provider_id: int
    level: str  # "A", "B", "C" or "" (no level)
    service_type: str
    result: bool


@dataclass(frozen=True)
class FairResult:
    ended: int
    observed: int
    expected: float
    verdict: str  # "more" | "as_expected" | "fewer"

    @property
    def expected_rounded(self) -> int:
        return round(self.expected)


def distribution(rates: Iterable[float]) -> list[float]:
    """P(exactly k results) for independent placements with these result rates."""
    probs = [1.0]
    for p in rates:
        nxt = [0.0] * (len(probs) + 1)
        for k, q in enumerate(probs):
            nxt[k] += q * (1 - p)
            nxt[k + 1] += q * p
        probs = nxt
    return probs


def verdict(observed: int, rates: list[float]) -> str:
    probs = distribution(rates)
    at_least = sum(probs[observed:])
    at_most = sum(probs[:observed + 1])
    if at_least < TAIL:
        return "more"
    if at_most < TAIL:
        return "fewer"
    return "as_expected"


def standardise(placements: list[Ended], provider_ids: Iterable[int], minimum: int) -> dict[int, FairResult | None]:
    """provider -> its observed and expected results; None below `minimum` ended placements."""
    groups: dict[tuple[str, str], list[int]] = {}
    for p in placements:
        counts = groups.setdefault((p.level, p.service_type), [0, 0])
        counts[0] += 1
        counts[1] += p.result
    rate = {key: hits / n for key, (n, hits) in groups.items()}
    mine: dict[int, list[Ended]] = {pid: [] for pid in provider_ids}
    for p in placements:
        if p.provider_id in mine:
            mine[p.provider_id].append(p)
    out: dict[int, FairResult | None] = {}
    for pid, own in mine.items():
        if len(own) < minimum:
            out[pid] = None
            continue
        rates = [rate[(p.level, p.service_type)] for p in own]
        observed = sum(p.result for p in own)
        out[pid] = FairResult(len(own), observed, sum(rates), verdict(observed, rates))
    return out


def load_ended(session: Session, today: date) -> list[Ended]:
    """Every placement in the municipality that ended at least 90 days ago (switches left out),
    in two queries."""
    cutoff = today - timedelta(days=FOLLOW_UP_DAYS)
    rows = session.exec(
        select(Placement.id, Placement.start_date, Placement.ended_on, Offering.provider_id,
               Offering.service_type, Referral.level)
        .join(Offering, Offering.id == Placement.offering_id)
        .join(Referral, Referral.id == Placement.referral_id)
        .where(Placement.ended_on.is_not(None), Placement.ended_on <= cutoff,
               Placement.end_reason != "switched")).all()
    first = dict(session.exec(
        select(Outcome.placement_id, func.min(Outcome.result_date))
        .where(Outcome.verified_on.is_not(None), Outcome.rejected_on.is_(None))
        .group_by(Outcome.placement_id)).all())
    out = []
    for pid, start, ended_on, provider_id, service_type, level in rows:
        result = first.get(pid)
        hit = result is not None and start <= result <= ended_on + timedelta(days=FOLLOW_UP_DAYS)
        out.append(Ended(provider_id, level or "", service_type, hit))
    return out


def fair_results(session: Session, provider_ids: list[int], today: date, minimum: int
                 ) -> dict[int, FairResult | None]:
    if not provider_ids:
        return {}
    return standardise(load_ended(session, today), provider_ids, minimum)
