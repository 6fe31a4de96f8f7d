"""Bonus simulation: what past months would have cost under other bonus rules, by the real engine.

The settlement engine (settlement.fast.owed_all) computes every month twice on the same loaded
data: once with the stored bonus rules and once with the simulated ones. Nothing is written.
Adjustments of earlier settled months are not part of the comparison: both sides are what the
rules owe for each month itself.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from app.common.errors import ValidationError
from app.common.money import ZERO
from app.providers.models import Provider
from app.settlement import fast, rules, service
from app.settlement.models import BonusRule

MAX_MONTHS = 24
BONUS_KINDS = ("bonus_result", "bonus_sustained")


@dataclass
class ProviderDiff:
    provider: str  # ref
    name: str
    real: Decimal = ZERO  # total excl. VAT
    simulated: Decimal = ZERO
    real_bonus: Decimal = ZERO
    simulated_bonus: Decimal = ZERO
    real_results: int = 0  # bonus_result lines: results rewarded
    simulated_results: int = 0

    @property
    def difference(self) -> Decimal:
        return self.simulated - self.real

    def add(self, real: list[rules.Line], simulated: list[rules.Line]) -> None:
        self.real += rules.settlement_totals(real).excl
        self.simulated += rules.settlement_totals(simulated).excl
        self.real_bonus += sum((ln.amount for ln in real if ln.kind in BONUS_KINDS), ZERO)
        self.simulated_bonus += sum((ln.amount for ln in simulated if ln.kind in BONUS_KINDS), ZERO)
        self.real_results += sum(1 for ln in real if ln.kind == "bonus_result")
        self.simulated_results += sum(1 for ln in simulated if ln.kind == "bonus_result")


@dataclass
class Simulation:
    first: str
    last: str
    months: list[str]
    rows: list[ProviderDiff] = field(default_factory=list)

    @property
    def total(self) -> ProviderDiff:
        total = ProviderDiff("", "")
        for row in self.rows:
            for name in ("real", "simulated", "real_bonus", "simulated_bonus", "real_results",
                         "simulated_results"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


def months_between(first: str, last: str) -> list[str]:
    service.check_period(first, "first")
    service.check_period(last, "last")
    if last < first:
        raise ValidationError("last", "måste vara samma månad som eller senare än första månaden")
    months = [first]
    while months[-1] < last:
        months.append(rules.next_period(months[-1]))
        if len(months) > MAX_MONTHS:
            raise ValidationError("last", f"högst {MAX_MONTHS} månader åt gången")
    return months


def stored_rules(session: Session) -> list[tuple[BonusRule, rules.BonusRule]]:
    """The stored rules with their engine terms, in the engine's order (priority, ref)."""
    found = session.execute(select(BonusRule).order_by(BonusRule.priority, BonusRule.ref)).scalars()
    return [(rule, service.bonus_rule_terms(rule)) for rule in found]


def simulate(session: Session, first: str, last: str,
             simulated_rules: list[rules.BonusRule],
             progress: Callable[[int, int], None] | None = None) -> Simulation:
    """Each month of first..last with the stored rules and with `simulated_rules`, per provider;
    `progress(months done, months)` before each month (the job's progress bar)."""
    months = months_between(first, last)
    loaded = service.load_inputs(session, rules.attendance_dates_needed(first)[0],
                                 rules.attendance_dates_needed(last)[1])
    real_inputs = loaded.inputs
    what_if = dataclasses.replace(real_inputs, bonus_rules=list(simulated_rules))
    names = dict(session.execute(select(Provider.ref, Provider.name)).all())
    by_provider: dict[str, ProviderDiff] = {}
    for done, month in enumerate(months):
        if progress:
            progress(done, len(months))
        real = fast.owed_all(real_inputs, month)
        simulated = fast.owed_all(what_if, month)
        for provider in real.keys() | simulated.keys():
            row = by_provider.setdefault(provider, ProviderDiff(provider, names.get(provider, provider)))
            row.add(real.get(provider, ([], []))[0], simulated.get(provider, ([], []))[0])
    result = Simulation(first, last, months)
    result.rows = sorted((row for row in by_provider.values() if row.real or row.simulated),
                         key=lambda row: row.name)
    return result
