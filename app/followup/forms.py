"""Reading the follow-up forms into plain values; errors name the field."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.common.errors import ValidationError
from app.common.money import OutOfBounds, parse_money, parse_percent
from app.followup import simulation
from app.followup.simulation import LevelPrices
from app.kundval.models import LEVELS, OUTCOME_KINDS
from app.offerings.models import SERVICE_TYPES
from app.settlement import rules

NEW_RULES = 1  # how many new rules the simulation form offers
SIMULATION_CHOICES = {"levels": LEVELS, "service_types": SERVICE_TYPES, "outcome_kinds": OUTCOME_KINDS,
                      "new_rules": range(NEW_RULES)}


def parse_amount(raw: str, field_name: str, allow_negative: bool = False) -> Decimal:
    if not (raw or "").strip():
        raise ValidationError(field_name, _l("ange ett belopp"))
    try:
        amount = parse_money(raw, allow_negative=True)
    except OutOfBounds:
        raise ValidationError(field_name, _l("ange ett belopp, till exempel 10000 eller 10000,50 "
                                          "(högst 10 000 000)")) from None
    if amount < 0 and not allow_negative:
        raise ValidationError(field_name, _l("får inte vara negativt"))
    return amount


def tiers_text(tiers: tuple[rules.Tier, ...]) -> str:
    """'90: 10000.00' per line, the form's way of writing tiers."""
    return "\n".join(f"{t.max_days}: {t.amount}" for t in sorted(tiers, key=lambda t: t.max_days))


def parse_tiers(raw: str, field_name: str) -> tuple[rules.Tier, ...]:
    """Lines of 'max days: amount'."""
    tiers = []
    for number, line in enumerate((raw or "").splitlines(), start=1):
        if not line.strip():
            continue
        days, sep, amount = line.partition(":")
        if not sep or not days.strip().isdigit():
            raise ValidationError(field_name, _l("rad %(line)s: skriv 'dagar: belopp', till exempel 90: 10000", line=number))
        tiers.append(rules.Tier(int(days), parse_amount(amount, field_name)))
    if not tiers:
        raise ValidationError(field_name, _l("ange minst en nivå"))
    if len({t.max_days for t in tiers}) != len(tiers):
        raise ValidationError(field_name, _l("samma antal dagar står två gånger"))
    return tuple(sorted(tiers, key=lambda t: t.max_days))


def _ticked(form, prefix: str, options: tuple[str, ...]) -> tuple[str, ...]:
    """The options whose checkbox `prefix + option` is ticked."""
    return tuple(option for option in options if form.get(prefix + option))


def parse_whole(raw: str, field_name: str, low: int, high: int) -> int:
    text = (raw or "").strip()
    if not (text.lstrip("-").isdigit() and low <= int(text) <= high):
        raise ValidationError(field_name, _l("ange ett heltal från %(low)s till %(high)s", low=low, high=high))
    return int(text)


def _edited_terms(form, prefix: str, rule: rules.BonusRule) -> rules.BonusRule:
    """A rule's tiers, sustainment and levels as edited under `prefix`."""
    return dataclasses.replace(
        rule, tiers=parse_tiers(form.get(prefix + "tiers", ""), prefix + "tiers"),
        sustain_amount=parse_amount(form.get(prefix + "sustain_amount", "0"), prefix + "sustain_amount"),
        sustain_days=parse_whole(form.get(prefix + "sustain_days", str(rule.sustain_days)),
                                 prefix + "sustain_days", 0, 3650),
        levels=_ticked(form, prefix + "level-", LEVELS))


def new_rule(form, index: int) -> rules.BonusRule | None:
    """A rule added in the simulation (`new-N-`), or None when it is not ticked."""
    prefix = f"new-{index}-"
    if not form.get(prefix + "include"):
        return None
    service_types = _ticked(form, prefix + "service_type-", SERVICE_TYPES)
    if not service_types:
        raise ValidationError(prefix + "service_types", _l("välj minst en tjänst"))
    outcome_kinds = _ticked(form, prefix + "outcome_kind-", OUTCOME_KINDS)
    if not outcome_kinds:
        raise ValidationError(prefix + "outcome_kinds", _l("välj minst ett slags resultat"))
    priority = parse_whole(form.get(prefix + "priority", "0"), prefix + "priority", -1000, 1000)
    rule = rules.BonusRule(ref=f"SIMULERAD-{index + 1}", priority=priority, service_types=service_types,
                           outcome_kinds=outcome_kinds, tiers=())
    return _edited_terms(form, prefix, rule)


def simulated_rules(form, stored: list[rules.BonusRule], new_rules: int = NEW_RULES) -> list[rules.BonusRule]:
    """The stored rules ticked in the form (`rule-N-include`) with their edited terms, and the new
    rules ticked (`new-N-include`)."""
    chosen = [_edited_terms(form, f"rule-{index}-", rule) for index, rule in enumerate(stored)
              if form.get(f"rule-{index}-include")]
    added = (new_rule(form, index) for index in range(new_rules))
    return chosen + [rule for rule in added if rule is not None]


def level_prices(form) -> LevelPrices | None:
    """The simulated level rates (`level-prices` ticked), or None."""
    if not form.get("level-prices"):
        return None
    percent = {}
    for level in LEVELS:
        raw = (form.get(f"level-{level}-percent") or "").strip()
        if raw:
            try:
                percent[level] = parse_percent(raw)
            except OutOfBounds:
                raise ValidationError(f"level-{level}-percent",
                                      _l("ange procent av grundpriset, 0 till 1000, till exempel 120")) from None
    if not percent:
        raise ValidationError("level-A-percent", _l("ange procent för minst en nivå"))
    return LevelPrices(percent, _ticked(form, "level-service_type-", SERVICE_TYPES))


def check_simulation(form, stored: list[rules.BonusRule]) -> None:
    """Raises the ValidationError naming the first bad field of the simulation form."""
    simulation.months_between(form.get("first", "").strip(), form.get("last", "").strip())
    simulated_rules(form, stored)
    level_prices(form)


def simulation_defaults(stored: list[rules.BonusRule], first: str, last: str) -> dict[str, str]:
    """The form as it first shows: every stored rule included with its own terms."""
    form = {"first": first, "last": last, "level-A-percent": "100", "level-B-percent": "120",
            "level-C-percent": "140", "new-0-priority": "0", "new-0-sustain_days": "90",
            "new-0-sustain_amount": "0", "new-0-outcome_kind-employment": "1",
            "new-0-outcome_kind-studies": "1", "new-0-level-C": "1"}
    for index, terms in enumerate(stored):
        prefix = f"rule-{index}-"
        form.update({prefix + "include": "1", prefix + "tiers": tiers_text(terms.tiers),
                     prefix + "sustain_amount": str(terms.sustain_amount),
                     prefix + "sustain_days": str(terms.sustain_days),
                     **{prefix + "level-" + level: "1" for level in terms.levels}})
    return form


def parse_year(raw: str, field_name: str = "year") -> int:
    text = (raw or "").strip()
    if not (text.isdigit() and 2000 <= int(text) <= 2100):
        raise ValidationError(field_name, _l("ange ett år, till exempel 2026"))
    return int(text)


def optional_number(raw: str, field_name: str) -> Decimal | None:
    """Blank is None; otherwise an amount or figure with at most two decimals (may be negative)."""
    if not (raw or "").strip():
        return None
    return parse_amount(raw, field_name, allow_negative=True)


def targets_form(form, target_figures, external_figures, months):
    """({figure: target or None}, {(figure, month): value or None}) from the targets form."""
    targets = {code: optional_number(form.get(f"target-{code}", ""), f"target-{code}")
               for code in target_figures}
    external = {(code, month): optional_number(form.get(f"ext-{code}-{month}", ""),
                                               f"ext-{code}-{month}")
                for code in external_figures for month in months}
    return targets, external
