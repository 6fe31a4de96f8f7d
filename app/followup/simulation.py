"""Bonus and level-price simulation: what past months would have cost under other terms, by the real engine.

The settlement engine (settlement.fast.owed_all) computes every month twice on the same loaded
data: once with the stored terms and once with the simulated ones. Nothing is written.
Two kinds of terms can be changed (settlement.md, "Result bonus" and "Levels"):
- the bonus rules: their tiers, sustainment, the levels they apply to, and new rules beside them;
- the level rates of the offerings: per level, a share of each offering's own rate, for the
  service types chosen. This is how a municipality asks "what would last year have cost if
  providers were paid 20 % more for level B and 40 % more for level C?".
Adjustments of earlier settled months are not part of the comparison: both sides are what the
terms owe for each month itself. Results are given per provider and per level, so the cost of
paying for the harder work shows where it lands.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from app.common.errors import ValidationError
from app.common.money import ZERO, percent_of
from app.providers.models import Provider
from app.settlement import fast, rules, service
from app.settlement.models import BonusRule

MAX_MONTHS = 24
BONUS_KINDS = ("bonus_result", "bonus_sustained")
LEVEL_KEYS = ("A", "B", "C", "")  # "" is a referral without a level


@dataclass(frozen=True)
class LevelPrices:
    """Simulated level rates: per level, the rate as a percentage of each offering's own rate.

    Levels without a percentage keep what the offering has today (its level rate or its rate).
    `service_types` empty: every offering.
    """

    percent: Mapping[str, Decimal]
    service_types: tuple[str, ...] = ()

    def applies_to(self, offering: rules.Offering) -> bool:
        return not self.service_types or offering.service_type in self.service_types

    def offering(self, offering: rules.Offering) -> rules.Offering:
        """The offering with its level rates replaced by the simulated ones."""
        if not self.applies_to(offering):
            return offering
        rates = dict(offering.level_rates)
        rates.update({level: percent_of(offering.rate, pct) for level, pct in self.percent.items()})
        return dataclasses.replace(offering, level_rates=rates)


@dataclass
class Diff:
    """Real against simulated for one provider, one level, or everything."""

    key: str  # provider ref, level, or "" for the total
    name: str
    real: Decimal = ZERO  # total excl. VAT
    simulated: Decimal = ZERO
    real_bonus: Decimal = ZERO
    simulated_bonus: Decimal = ZERO
    real_results: int = 0  # bonus_result lines: results rewarded
    simulated_results: int = 0

    @property
    def provider(self) -> str:
        return self.key

    @property
    def difference(self) -> Decimal:
        return self.simulated - self.real

    def add(self, real: Iterable[rules.Line], simulated: Iterable[rules.Line]) -> None:
        real, simulated = list(real), list(simulated)
        self.real += rules.settlement_totals(real).excl
        self.simulated += rules.settlement_totals(simulated).excl
        self.real_bonus += sum((ln.amount for ln in real if ln.kind in BONUS_KINDS), ZERO)
        self.simulated_bonus += sum((ln.amount for ln in simulated if ln.kind in BONUS_KINDS), ZERO)
        self.real_results += sum(1 for ln in real if ln.kind == "bonus_result")
        self.simulated_results += sum(1 for ln in simulated if ln.kind == "bonus_result")

    def plus(self, other: Diff) -> None:
        for name in ("real", "simulated", "real_bonus", "simulated_bonus", "real_results",
                     "simulated_results"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


ProviderDiff = Diff  # the name the per-provider rows had before levels


@dataclass
class Simulation:
    first: str
    last: str
    months: list[str]
    rows: list[Diff] = field(default_factory=list)  # per provider, by name
    levels: list[Diff] = field(default_factory=list)  # per level A, B, C, without (those with lines)
    level_prices: LevelPrices | None = None

    @property
    def total(self) -> Diff:
        total = Diff("", "")
        for row in self.rows:
            total.plus(row)
        return total


def months_between(first: str, last: str) -> list[str]:
    service.check_period(first, "first")
    service.check_period(last, "last")
    if last < first:
        raise ValidationError("last", _l("måste vara samma månad som eller senare än första månaden"))
    months = [first]
    while months[-1] < last:
        months.append(rules.next_period(months[-1]))
        if len(months) > MAX_MONTHS:
            raise ValidationError("last", _l("högst %(num)s månader åt gången", num=MAX_MONTHS))
    return months


def stored_rules(session: Session) -> list[tuple[BonusRule, rules.BonusRule]]:
    """The stored rules with their engine terms, in the engine's order (priority, ref)."""
    found = session.execute(select(BonusRule).order_by(BonusRule.priority, BonusRule.ref)).scalars()
    return [(rule, service.bonus_rule_terms(rule)) for rule in found]


def what_if(inputs: rules.Inputs, simulated_rules: list[rules.BonusRule],
            level_prices: LevelPrices | None) -> rules.Inputs:
    """The loaded inputs with the simulated terms in place of the stored ones."""
    offerings = inputs.offerings
    if level_prices is not None:
        offerings = {ref: level_prices.offering(o) for ref, o in inputs.offerings.items()}
    return dataclasses.replace(inputs, bonus_rules=list(simulated_rules), offerings=offerings)


def _by_level(lines: Iterable[rules.Line], level_of: Mapping[str, str]) -> dict[str, list[rules.Line]]:
    out: dict[str, list[rules.Line]] = {}
    for line in lines:
        out.setdefault(level_of.get(line.placement, ""), []).append(line)
    return out


def simulate(session: Session, first: str, last: str, simulated_rules: list[rules.BonusRule],
             level_prices: LevelPrices | None = None,
             progress: Callable[[int, int], None] | None = None) -> Simulation:
    """Each month of first..last with the stored terms and with the simulated ones, per provider
    and per level; `progress(months done, months)` before each month (the job's progress bar)."""
    months = months_between(first, last)
    loaded = service.load_inputs(session, rules.attendance_dates_needed(first)[0],
                                 rules.attendance_dates_needed(last)[1])
    real_inputs = loaded.inputs
    simulated_inputs = what_if(real_inputs, simulated_rules, level_prices)
    level_of = {p.ref: real_inputs.referrals[p.referral].level or "" for p in real_inputs.placements}
    names = dict(session.execute(select(Provider.ref, Provider.name)).all())
    by_provider: dict[str, Diff] = {}
    by_level = {level: Diff(level, level) for level in LEVEL_KEYS}
    for done, month in enumerate(months):
        if progress:
            progress(done, len(months))
        real = fast.owed_all(real_inputs, month)
        simulated = fast.owed_all(simulated_inputs, month)
        for provider in real.keys() | simulated.keys():
            real_lines, simulated_lines = real.get(provider, ([], []))[0], simulated.get(provider, ([], []))[0]
            row = by_provider.setdefault(provider, Diff(provider, names.get(provider, provider)))
            row.add(real_lines, simulated_lines)
            real_levels, simulated_levels = _by_level(real_lines, level_of), _by_level(simulated_lines, level_of)
            for level in real_levels.keys() | simulated_levels.keys():
                by_level[level].add(real_levels.get(level, []), simulated_levels.get(level, []))
    result = Simulation(first, last, months, level_prices=level_prices)
    result.rows = sorted((row for row in by_provider.values() if row.real or row.simulated),
                         key=lambda row: row.name)
    result.levels = [row for row in by_level.values() if row.real or row.simulated]
    return result
