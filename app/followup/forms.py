"""Reading the follow-up forms into plain values; errors name the field."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.common.errors import ValidationError
from app.common.money import OutOfBounds, parse_money
from app.settlement import rules


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


def simulated_rules(form, stored: list[rules.BonusRule]) -> list[rules.BonusRule]:
    """The rules ticked in the form (`rule-N-include`), with their edited tiers and sustain amount."""
    chosen = []
    for index, rule in enumerate(stored):
        prefix = f"rule-{index}-"
        if not form.get(prefix + "include"):
            continue
        tiers = parse_tiers(form.get(prefix + "tiers", ""), prefix + "tiers")
        sustain = parse_amount(form.get(prefix + "sustain_amount", "0"), prefix + "sustain_amount")
        chosen.append(dataclasses.replace(rule, tiers=tiers, sustain_amount=sustain))
    return chosen


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
