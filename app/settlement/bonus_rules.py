"""Bonus rules: create, read, retire, and new terms from a date; a rule that has paid out never changes.

A rule has paid out when an approved bonus line (or an approved adjustment of one) belongs to a
placement the rule applies to. Its terms are then frozen: it can only be retired (placements_to),
and new terms are a successor rule with placements_from, as offerings get a new price.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from app.common.audit import record_change
from app.common.base import new_ref
from app.common.errors import ValidationError
from app.common.labels import OUTCOME_KINDS, SERVICE_TYPES
from app.common.money import money
from app.kundval.followups import DEFAULT_SUSTAIN_DAYS
from app.kundval.models import Client, Placement, Referral
from app.offerings.models import Offering
from app.settlement import rules
from app.settlement.loading import bonus_rule_terms
from app.settlement.models import BonusRule, Settlement, SettlementLine

BONUS_KINDS = ("bonus_result", "bonus_sustained")
LEVELS = ("A", "B", "C")
# What the rules read: none of these may change once the rule has paid out.
TERM_FIELDS = ("priority", "service_types", "min_age", "max_age", "newly_arrived", "placements_from",
               "outcome_kinds", "tiers", "grace_days", "sustain_days", "sustain_amount", "levels")
MAX_AMOUNT = Decimal("10000000.00")


@dataclass
class RuleData:
    """What the form gives, as text and lists; `check` turns it into column values."""

    name: str = ""
    priority: str = "1"
    service_types: list[str] = field(default_factory=list)
    min_age: str = ""
    max_age: str = ""
    newly_arrived: str = ""  # "" any, "yes", "no"
    placements_from: date | None = None
    placements_to: date | None = None
    outcome_kinds: list[str] = field(default_factory=list)
    tiers: list[tuple[str, str]] = field(default_factory=list)  # (max_days, amount), blank rows skipped
    grace_days: str = "30"
    sustain_days: str = "90"
    sustain_amount: str = "0"
    levels: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, rule: BonusRule) -> RuleData:
        return cls(name=rule.name, priority=str(rule.priority), service_types=list(rule.service_types),
                   min_age="" if rule.min_age is None else str(rule.min_age),
                   max_age="" if rule.max_age is None else str(rule.max_age),
                   newly_arrived={None: "", True: "yes", False: "no"}[rule.newly_arrived],
                   placements_from=rule.placements_from, placements_to=rule.placements_to,
                   outcome_kinds=list(rule.outcome_kinds),
                   tiers=[(str(t["max_days"]), str(t["amount"])) for t in rule.tiers],
                   grace_days=str(rule.grace_days), sustain_days=str(rule.sustain_days),
                   sustain_amount=str(rule.sustain_amount), levels=list(rule.levels or []))


def _int(value: str, name: str, low: int, high: int, required: bool = True) -> int | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationError(name, _l("fyll i ett heltal"))
        return None
    try:
        number = int(text)
    except ValueError:
        raise ValidationError(name, _l("ange ett heltal")) from None
    if not low <= number <= high:
        raise ValidationError(name, _l("ange ett tal från %(low)s till %(high)s", low=low, high=high))
    return number


def _amount(value: str, name: str) -> Decimal:
    try:
        amount = Decimal((value or "").strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValidationError(name, _l("ange ett belopp, till exempel 10000,00")) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(name, _l("beloppet måste vara mellan 0 och 10 000 000 kr"))
    try:
        return money(amount)
    except ValueError:
        raise ValidationError(name, _l("ange beloppet med högst två decimaler")) from None


def _name(data: RuleData) -> str:
    """The rule's name as shown on settlements and in the simulation: one printable line."""
    name = (data.name or "").strip()
    if not name:
        raise ValidationError("name", _l("ge regeln ett namn"))
    if len(name) > 200:
        raise ValidationError("name", _l("högst 200 tecken"))
    if any(ord(ch) < 32 for ch in name):
        raise ValidationError("name", _l("namnet får inte innehålla styrtecken"))
    return name


def _whom(data: RuleData) -> tuple[list[str], list[str], list[str]]:
    """(service types, outcome kinds, levels) the rule is for: a rule for no service type or
    no kind of result would never be chosen, so at least one of each; no levels means all."""
    service_types = [s for s in data.service_types if s]
    if not service_types or any(s not in SERVICE_TYPES for s in service_types):
        raise ValidationError("service_types", _l("välj minst en tjänstetyp"))
    outcome_kinds = [k for k in data.outcome_kinds if k]
    if not outcome_kinds or any(k not in OUTCOME_KINDS for k in outcome_kinds):
        raise ValidationError("outcome_kinds", _l("välj arbete, studier eller båda"))
    levels = sorted({lv for lv in data.levels if lv})
    if any(lv not in LEVELS for lv in levels):
        raise ValidationError("levels", _l("nivåerna är A, B och C"))
    return service_types, outcome_kinds, levels


def _ages(data: RuleData) -> tuple[int | None, int | None]:
    """The client's age bounds, each optional, the upper not below the lower."""
    min_age = _int(data.min_age, "min_age", 0, 150, required=False)
    max_age = _int(data.max_age, "max_age", 0, 150, required=False)
    if min_age is not None and max_age is not None and max_age < min_age:
        raise ValidationError("max_age", _l("högsta ålder kan inte vara lägre än lägsta ålder"))
    return min_age, max_age


def _tiers(data: RuleData) -> list[dict[str, object]]:
    """The (within days, amount) tiers, blank rows skipped; two tiers with the same days would
    make the amount ambiguous, so they are refused on the second one's field."""
    tiers: list[dict[str, object]] = []
    seen: set[int | None] = set()
    for i, (days_text, amount_text) in enumerate(data.tiers):
        if not (days_text or "").strip() and not (amount_text or "").strip():
            continue
        days = _int(days_text, f"tiers[{i}].max_days", 0, 36500)
        if days in seen:
            raise ValidationError(f"tiers[{i}].max_days", _l("samma antal dagar finns redan i en annan nivå"))
        seen.add(days)
        tiers.append({"max_days": days, "amount": str(_amount(amount_text, f"tiers[{i}].amount"))})
    if not tiers:
        raise ValidationError("tiers", _l("ange minst en nivå: inom hur många dagar och vilket belopp"))
    return tiers


def check(data: RuleData) -> dict[str, Any]:
    """Column values for a rule, or a ValidationError naming the field."""
    name = _name(data)
    service_types, outcome_kinds, levels = _whom(data)
    min_age, max_age = _ages(data)
    if data.newly_arrived not in ("", "yes", "no"):
        raise ValidationError("newly_arrived", _l("välj ja, nej eller alla"))
    if data.placements_from and data.placements_to and data.placements_to < data.placements_from:
        raise ValidationError("placements_to", _l("slutdatum kan inte ligga före startdatum"))
    tiers = _tiers(data)
    return {
        "name": name, "priority": _int(data.priority, "priority", -1_000_000, 1_000_000),
        "service_types": service_types, "outcome_kinds": outcome_kinds, "levels": levels,
        "min_age": min_age, "max_age": max_age,
        "newly_arrived": {"": None, "yes": True, "no": False}[data.newly_arrived],
        "placements_from": data.placements_from, "placements_to": data.placements_to,
        "tiers": sorted(tiers, key=lambda t: t["max_days"]),
        "grace_days": _int(data.grace_days, "grace_days", 0, 36500),
        "sustain_days": _int(data.sustain_days, "sustain_days", 0, 36500),
        "sustain_amount": _amount(data.sustain_amount, "sustain_amount"),
    }


def snapshot(rule: BonusRule) -> dict[str, Any]:
    return {"ref": rule.ref, "name": rule.name, "priority": rule.priority,
            "service_types": list(rule.service_types), "outcome_kinds": list(rule.outcome_kinds),
            "levels": list(rule.levels or []), "min_age": rule.min_age, "max_age": rule.max_age,
            "newly_arrived": rule.newly_arrived,
            "placements_from": rule.placements_from.isoformat() if rule.placements_from else None,
            "placements_to": rule.placements_to.isoformat() if rule.placements_to else None,
            "tiers": list(rule.tiers), "grace_days": rule.grace_days, "sustain_days": rule.sustain_days,
            "sustain_amount": str(rule.sustain_amount)}


# --- Which placements a rule applies to, and what it has paid ---------------------------------------


@dataclass
class Usage:
    placements: int = 0
    paid: Decimal = Decimal("0.00")
    has_paid: bool = False


def usage(session: Session, stored: list[BonusRule] | None = None) -> dict[int | None, Usage]:
    """Per rule id: the placements it applies to (the first matching rule by priority) and the
    approved bonus lines of those placements (adjustments of bonus lines included)."""
    stored = list(session.execute(select(BonusRule)).scalars()) if stored is None else stored
    result = {rule.id: Usage() for rule in stored}
    if not stored:
        return result
    by_ref = {rule.ref: rule for rule in stored}
    terms = [bonus_rule_terms(rule) for rule in stored]
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for placement_id, amount in session.execute(
            select(col(SettlementLine.placement_id), func.sum(col(SettlementLine.amount)))
            .join(Settlement, col(Settlement.id) == col(SettlementLine.settlement_id))
            .where(col(Settlement.status) == "approved",
                   or_(col(SettlementLine.kind).in_(BONUS_KINDS), col(SettlementLine.ref_kind).in_(BONUS_KINDS)))
            .group_by(col(SettlementLine.placement_id))):
        paid[placement_id] = Decimal(amount)
    paying = set(paid)
    for p_id, ref, start, ended_on, service_type, birth_date, newly_arrived in session.execute(
            select(col(Placement.id), col(Placement.ref), col(Placement.start_date), col(Placement.ended_on),
                   col(Offering.service_type), col(Client.birth_date), col(Client.newly_arrived))
            .join(Offering, col(Offering.id) == col(Placement.offering_id))
            .join(Referral, col(Referral.id) == col(Placement.referral_id))
            .join(Client, col(Client.id) == col(Referral.client_id))):
        placement = rules.Placement(ref, "", "", start, ended_on, None, birth_date, bool(newly_arrived))
        offering = rules.Offering("", "", service_type, "hour", Decimal("0"), 0)
        matched = rules.bonus_rule_for(placement, offering, terms)
        if matched is None:
            continue
        entry = result[by_ref[matched.ref].id]
        entry.placements += 1
        if p_id in paying:
            entry.paid += paid[p_id]
            entry.has_paid = True
    return result


def has_paid(session: Session, rule: BonusRule) -> bool:
    return usage(session)[rule.id].has_paid


# --- Operations ---------------------------------------------------------------------------------


def create_rule(session: Session, data: RuleData, actor_id: int | None, reason: str = "") -> BonusRule:
    rule = BonusRule(ref=new_ref("BON"), **check(data))
    session.add(rule)
    session.flush()
    record_change(session, actor_id, "create", "bonus_rule", rule.id, after=snapshot(rule), reason=reason)
    return rule


def update_rule(session: Session, rule: BonusRule, data: RuleData, actor_id: int | None) -> BonusRule:
    """Change a rule that has not paid out; a paid rule only takes a (new) end date."""
    values = check(data)
    before = snapshot(rule)
    if has_paid(session, rule):
        for name in ("name", *TERM_FIELDS):
            if values[name] != getattr(rule, name) and not (name == "levels" and not values[name]
                                                            and not rule.levels):
                raise ValidationError(name, _l("regeln har betalat ut bonus och kan inte ändras: avsluta "
                                            "den med ett slutdatum eller använd ”Nya villkor från datum”"))
        return retire(session, rule, values["placements_to"], actor_id)
    for name, value in values.items():
        setattr(rule, name, value)
    session.flush()
    record_change(session, actor_id, "update", "bonus_rule", rule.id, before=before, after=snapshot(rule))
    return rule


def retire(session: Session, rule: BonusRule, placements_to: date | None, actor_id: int | None) -> BonusRule:
    """End the rule for placements starting after `placements_to` (allowed also once it has paid)."""
    if placements_to is None:
        raise ValidationError("placements_to", _l("ange sista startdatum för placeringar som regeln gäller"))
    if rule.placements_from and placements_to < rule.placements_from:
        raise ValidationError("placements_to", _l("slutdatum kan inte ligga före regelns startdatum"))
    before = snapshot(rule)
    rule.placements_to = placements_to
    session.flush()
    record_change(session, actor_id, "retire", "bonus_rule", rule.id, before=before, after=snapshot(rule))
    return rule


def new_terms_from(session: Session, rule: BonusRule, from_date: date | None, data: RuleData,
                   actor_id: int | None) -> BonusRule:
    """The successor with new terms for placements from `from_date`; the old rule ends the day before."""
    if from_date is None:
        raise ValidationError("from_date", _l("ange från vilket startdatum de nya villkoren gäller"))
    if rule.placements_from and from_date <= rule.placements_from:
        raise ValidationError("from_date", _l("datumet måste ligga efter regelns startdatum"))
    if rule.placements_to and from_date > rule.placements_to + timedelta(days=1):
        raise ValidationError("from_date", _l("regeln slutar före det datumet"))
    successor_data = RuleData(**{**data.__dict__, "placements_from": from_date,
                                 "placements_to": rule.placements_to})
    successor = create_rule(session, successor_data, actor_id, reason=f"ersätter {rule.ref} från {from_date}")
    retire(session, rule, from_date - timedelta(days=1), actor_id)
    return successor


def frozen_field_changed(rule: BonusRule, values: dict[str, Any]) -> str | None:
    """The first term field `values` would change (for the import), or None."""
    for name in TERM_FIELDS:
        if name not in values:
            continue
        old, new = getattr(rule, name), values[name]
        if name == "tiers":
            old = [{"max_days": int(t["max_days"]), "amount": str(money(Decimal(str(t["amount"]))))}
                   for t in old]
            new = [{"max_days": int(t["max_days"]), "amount": str(money(Decimal(str(t["amount"]))))}
                   for t in new]
        elif name == "sustain_amount":
            old, new = money(Decimal(str(old))), money(Decimal(str(new)))
        elif name in ("service_types", "outcome_kinds", "levels"):
            old, new = sorted(old or []), sorted(new or [])
        if old != new:
            return name
    return None


def sustain_days_by_service_type(session: Session) -> dict[str, int]:
    """The sustain_days of the first bonus rule (by priority) covering each service type; 90 without one."""
    days: dict[str, int] = {}
    for rule in session.execute(select(BonusRule).order_by(col(BonusRule.priority), col(BonusRule.ref))).scalars():
        for service_type in rule.service_types or []:
            days.setdefault(service_type, rule.sustain_days)
    return {st: days.get(st, DEFAULT_SUSTAIN_DAYS) for st in SERVICE_TYPES}


def sustain_days_of(session: Session, placements: list[Placement]) -> dict[int, int]:
    """placement id -> the sustain_days of the bonus rule that applies to it, as the settlement
    engine chooses it (service type, age, newly arrived, level, dates); 90 without a rule.

    The pay-data hint ("the pay continues through ...") uses it, so it asks about the same day the
    sustainment bonus is paid for. Three queries, whatever the number of placements.
    """
    if not placements:
        return {}
    terms = [bonus_rule_terms(rule) for rule in session.execute(select(BonusRule)).scalars()]
    service_types: dict[int, str] = dict(session.execute(
        select(col(Offering.id), col(Offering.service_type))
        .where(col(Offering.id).in_({p.offering_id for p in placements}))).tuples().all())
    people = {r.id: (r.level, c) for r, c in session.execute(
        select(Referral, Client).join(Client, col(Client.id) == col(Referral.client_id))
        .where(col(Referral.id).in_({p.referral_id for p in placements}))).tuples().all()}
    out: dict[int, int] = {}
    for p in placements:
        assert p.id is not None
        level, client = people[p.referral_id]
        record = rules.Placement(ref=str(p.id), referral="", offering="", start_date=p.start_date,
                                 client_birth_date=client.birth_date, client_newly_arrived=client.newly_arrived)
        offering = rules.Offering(ref="", provider="", service_type=service_types[p.offering_id],
                                  rate_unit="", rate=money("0"), vat_rate=0)
        rule = rules.bonus_rule_for(record, offering, terms, level or None)
        out[p.id] = rule.sustain_days if rule is not None else DEFAULT_SUSTAIN_DAYS
    return out
