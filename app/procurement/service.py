"""Procurement: write and publish the conditions, offer and accept contracts, send new terms.

A published version of the conditions never changes; a new version starts as a copy. Every
approved provider gets the same contract; a new version reaches every contracted provider,
who accepts it by a date or lets the contract run out at its end date under the old terms.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from app.auth.models import User
from app.common.audit import record_change
from app.common.base import new_ref, utcnow
from app.common.errors import ValidationError
from app.common.i18n import fmt_money
from app.common.jobs import JobOutcome, run_once
from app.common.labels import RATE_UNITS, SERVICE_TYPES
from app.common.money import money
from app.notifications.service import notify
from app.procurement.models import PRICE_RULES, Conditions, Contract, ContractChange
from app.providers.models import Provider

ACCEPT_DAYS = 30  # the default time a contracted provider has to accept a new version
LEVELS = ("A", "B", "C")


@dataclass
class ConditionsData:
    """What an admin writes for one version (plain values, not yet checked)."""

    service_type: str
    title: str
    description: str = ""
    req_documents: str = ""
    req_insurance: str = ""
    req_staff: str = ""
    req_languages: str = ""
    compensation: str = ""
    contract_months: int | str = 24
    price_rule: str = "free"
    price_unit: str = ""
    price_amount: str | Decimal | None = None
    level_amounts: str = ""  # "B=140, C=175"


def _amount(value, name: str) -> Decimal:
    try:
        amount = money(str(value).strip().replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except (ValueError, TypeError):
        raise ValidationError(name, _l("ange beloppet i kronor med högst två decimaler")) from None
    if amount <= 0 or amount > Decimal("1000000"):
        raise ValidationError(name, _l("beloppet måste vara större än 0 och högst 1 000 000 kr"))
    return amount


def _level_amounts(text: str) -> dict[str, str]:
    """'B=140, C=175' -> {"B": "140.00", "C": "175.00"}."""
    found: dict[str, str] = {}
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        level, sep, value = part.partition("=")
        level = level.strip().upper()
        if not sep or level not in LEVELS:
            raise ValidationError("level_amounts", _l("skriv nivå och belopp, till exempel B=140, C=175"))
        found[level] = str(_amount(value, "level_amounts"))
    return found


def _contract_months(data: ConditionsData) -> int:
    """The contract's length in whole months, 1–120 (ten years, the longest a LOV contract runs)."""
    try:
        months = int(str(data.contract_months).strip())
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= 120:
        raise ValidationError("contract_months", _l("avtalstiden är 1–120 månader"))
    return months


def _price(data: ConditionsData) -> tuple[str, Decimal | None, dict[str, str]]:
    """(unit, amount, level amounts) of the price rule; a free price (set by each provider)
    has none of them, every other rule needs a unit and an amount."""
    if data.price_rule not in PRICE_RULES:
        raise ValidationError("price_rule", _l("välj en prisregel"))
    if data.price_rule == "free":
        return "", None, {}
    if data.price_unit not in RATE_UNITS:
        raise ValidationError("price_unit", _l("välj ersättningsform för priset"))
    if data.price_amount in (None, "") or not str(data.price_amount).strip():
        raise ValidationError("price_amount", _l("ange beloppet"))
    return data.price_unit, _amount(data.price_amount, "price_amount"), _level_amounts(data.level_amounts)


def check_conditions(data: ConditionsData) -> dict:
    """The version's values, checked; raises ValidationError naming the field."""
    if data.service_type not in SERVICE_TYPES:
        raise ValidationError("service_type", _l("välj en insatstyp"))
    title = (data.title or "").strip()
    if not title:
        raise ValidationError("title", _l("ge villkoren en rubrik"))
    if not (data.description or "").strip():
        raise ValidationError("description", _l("beskriv vad tjänsten är"))
    months = _contract_months(data)
    unit, amount, levels = _price(data)
    values = {"service_type": data.service_type, "title": title[:200], "contract_months": months,
              "price_rule": data.price_rule, "price_unit": unit, "price_amount": amount,
              "level_amounts": levels}
    for name in ("description", "req_documents", "req_insurance", "req_staff", "req_languages",
                 "compensation"):
        values[name] = (getattr(data, name) or "").strip()
    return values


def _snapshot(cond: Conditions) -> dict:
    return {"service_type": cond.service_type, "version": cond.version, "status": cond.status,
            "price_rule": cond.price_rule, "price_unit": cond.price_unit,
            "price_amount": None if cond.price_amount is None else str(cond.price_amount),
            "level_amounts": cond.level_amounts, "contract_months": cond.contract_months}


def _next_version(session: Session, service_type: str) -> int:
    highest = session.exec(select(func.max(Conditions.version))
                           .where(Conditions.service_type == service_type)).one()
    return (highest or 0) + 1


def _no_other_draft(session: Session, service_type: str) -> None:
    if session.exec(select(Conditions.id).where(Conditions.service_type == service_type,
                                                Conditions.status == "draft")).first():
        raise ValidationError("service_type", _l("det finns redan ett utkast för insatstypen"))


def create_draft(session: Session, data: ConditionsData, actor_id: int | None) -> Conditions:
    values = check_conditions(data)
    _no_other_draft(session, values["service_type"])
    cond = Conditions(version=_next_version(session, values["service_type"]), status="draft",
                      created_by_id=actor_id, **values)
    session.add(cond)
    session.flush()
    record_change(session, actor_id, "create", "conditions", cond.id, after=_snapshot(cond))
    return cond


def update_draft(session: Session, cond: Conditions, data: ConditionsData, actor_id: int | None
                 ) -> Conditions:
    if cond.status != "draft":
        raise ValidationError("title", _l("publicerade villkor ändras aldrig; gör en ny version"))
    values = check_conditions(data)
    if values["service_type"] != cond.service_type:
        raise ValidationError("service_type", _l("insatstypen kan inte ändras"))
    before = _snapshot(cond)
    for name, value in values.items():
        setattr(cond, name, value)
    record_change(session, actor_id, "update", "conditions", cond.id, before=before,
                  after=_snapshot(cond))
    return cond


COPIED = ("service_type", "title", "description", "req_documents", "req_insurance", "req_staff",
          "req_languages", "compensation", "contract_months", "price_rule", "price_unit",
          "price_amount", "level_amounts")


def copy_as_draft(session: Session, cond: Conditions, actor_id: int | None) -> Conditions:
    """A new version as a draft, starting as a copy of `cond`."""
    _no_other_draft(session, cond.service_type)
    new = Conditions(version=_next_version(session, cond.service_type), status="draft",
                     created_by_id=actor_id, **{k: getattr(cond, k) for k in COPIED})
    new.level_amounts = dict(cond.level_amounts or {})
    session.add(new)
    session.flush()
    record_change(session, actor_id, "create", "conditions", new.id, after=_snapshot(new),
                  reason=f"kopia av version {cond.version}")
    return new


def publish(session: Session, cond: Conditions, actor_id: int | None, today: date,
            accept_by: date | None = None) -> list[ContractChange]:
    """Publish a draft; every contracted provider of its service type is sent it to accept.

    A contract not yet accepted simply gets the new version; an accepted one keeps its old
    terms until the provider accepts the new version (by `accept_by`).
    """
    if cond.status != "draft":
        raise ValidationError("status", _l("villkoren är redan publicerade"))
    accept_by = accept_by or today + timedelta(days=ACCEPT_DAYS)
    if accept_by < today:
        raise ValidationError("accept_by", _l("sista dag att godta kan inte ligga bakåt i tiden"))
    cond.status = "published"
    cond.published_at = utcnow()
    cond.published_by_id = actor_id
    record_change(session, actor_id, "publish", "conditions", cond.id, before={"status": "draft"},
                  after=_snapshot(cond))
    changes = []
    for contract in _contracts_covering(session, cond.service_type):
        if contract.status == "offered":
            contract.terms = {**contract.terms, cond.service_type: cond.id}
            record_change(session, actor_id, "update", "contract", contract.id,
                          after={"terms": contract.terms}, reason=f"ny version {cond.version}")
            continue
        change = ContractChange(contract_id=contract.id, conditions_id=cond.id,
                                service_type=cond.service_type, accept_by=accept_by)
        session.add(change)
        session.flush()
        changes.append(change)
        record_change(session, actor_id, "send", "contract_change", change.id,
                      after={"contract": contract.ref, "conditions_id": cond.id,
                             "version": cond.version, "accept_by": accept_by.isoformat()})
        notify(session, provider_id=contract.provider_id,
               subject=_l("Nya villkor för %(title)s: version %(version)s", title=cond.title,
                          version=cond.version),
               body=_l("Kommunen har publicerat version %(version)s av villkoren för %(title)s. Godta dem i "
                       "portalen senast %(accept_by)s. Till dess gäller de nuvarande villkoren. Godtar ni inte "
                       "de nya villkoren upphör avtalet %(end)s.", version=cond.version, title=cond.title,
                       accept_by=accept_by.isoformat(), end=contract.end_date.isoformat()))
    return changes


def _contracts_covering(session: Session, service_type: str) -> list[Contract]:
    contracts = session.exec(select(Contract).where(Contract.status.in_(("offered", "active")))
                             .order_by(Contract.id)).all()
    return [c for c in contracts if service_type in (c.terms or {})]


# Reading the conditions ------------------------------------------------------------------------

def current(session: Session, service_type: str) -> Conditions | None:
    """The newest published version of a service type's conditions."""
    return session.exec(select(Conditions).where(Conditions.service_type == service_type,
                                                 Conditions.status == "published")
                        .order_by(Conditions.version.desc())).first()


def current_by_type(session: Session) -> dict[str, Conditions]:
    found: dict[str, Conditions] = {}
    for cond in session.exec(select(Conditions).where(Conditions.status == "published")
                             .order_by(Conditions.version)).all():
        found[cond.service_type] = cond
    return found


def published_version(session: Session, service_type: str, version: int) -> Conditions | None:
    return session.exec(select(Conditions).where(Conditions.service_type == service_type,
                                                 Conditions.version == version,
                                                 Conditions.status == "published")).first()


def all_versions(session: Session) -> list[Conditions]:
    return list(session.exec(select(Conditions).order_by(Conditions.service_type,
                                                         Conditions.version.desc())).all())


# The price rule --------------------------------------------------------------------------------

def price_problem(cond: Conditions | None, rate_unit: str, rate: Decimal,
                  level_rates: dict | None) -> tuple[str, Any] | None:
    """(field, message as a lazy string) when the rate breaks the version's price rule, else None."""
    if cond is None or cond.price_rule == "free":
        return None
    if rate_unit != cond.price_unit:
        return "rate_unit", _l("villkoren (version %(version)s) anger ersättning %(unit)s", version=cond.version,
                               unit=_unit(cond.price_unit))
    checks = [("rate", Decimal(rate), cond.price_amount)]
    for level, value in sorted((level_rates or {}).items()):
        limit = cond.level_amounts.get(level, cond.price_amount)
        checks.append((f"level_rates.{level}", Decimal(str(value)), Decimal(str(limit))))
    for name, value, limit in checks:
        limit = Decimal(str(limit))
        values = {"version": cond.version, "amount": fmt_money(limit, "sv")}
        level = name.rsplit(".", 1)[1] if name.startswith("level_rates.") else None
        if cond.price_rule == "fixed" and value != limit:
            return name, (_l("villkoren (version %(version)s) anger ett fast pris på %(amount)s", **values)
                          if level is None else
                          _l("nivå %(level)s: villkoren (version %(version)s) anger ett fast pris på %(amount)s",
                             level=level, **values))
        if cond.price_rule == "ceiling" and value > limit:
            return name, (_l("villkoren (version %(version)s) tillåter högst %(amount)s", **values)
                          if level is None else
                          _l("nivå %(level)s: villkoren (version %(version)s) tillåter högst %(amount)s",
                             level=level, **values))
    return None


def _unit(code: str) -> Any:
    return {"hour": _l("per timme"), "day": _l("per dag"), "week": _l("per vecka"),
            "package": _l("som paketpris")}.get(code, code)


def applicable(session: Session, provider_id: int, service_type: str) -> Conditions | None:
    """The version an offering falls under: its provider's contract terms, else the current version."""
    contract = live_contract(session, provider_id)
    if contract is not None and service_type in contract.terms:
        return session.get(Conditions, contract.terms[service_type])
    return current(session, service_type)


def applicable_many(session: Session, provider_ids: set[int]):
    """applicable() for many providers in three queries: a function (provider id or None, type)."""
    current_versions = current_by_type(session)
    terms: dict[int, dict] = {}
    if provider_ids:
        for contract in session.exec(select(Contract).where(
                Contract.provider_id.in_(provider_ids), Contract.status.in_(("offered", "active")))
                .order_by(Contract.id)).all():
            terms[contract.provider_id] = contract.terms
    ids = {i for t in terms.values() for i in t.values()}
    versions = {c.id: c for c in session.exec(select(Conditions).where(Conditions.id.in_(ids))).all()
                } if ids else {}

    def lookup(provider_id: int | None, service_type: str) -> Conditions | None:
        chosen = terms.get(provider_id, {}).get(service_type)
        return versions.get(chosen) if chosen else current_versions.get(service_type)
    return lookup


def check_price(session: Session, provider_id: int, service_type: str, rate_unit: str, rate: Decimal,
                level_rates: dict | None) -> None:
    """Raise ValidationError naming the field when the rate breaks the applicable price rule."""
    problem = price_problem(applicable(session, provider_id, service_type), rate_unit, rate,
                            level_rates)
    if problem:
        raise ValidationError(*problem)


def require_accepted_contract(session: Session, provider_id: int) -> None:
    """A provider whose contract is offered but not yet accepted publishes nothing."""
    contract = live_contract(session, provider_id)
    if contract is not None and contract.status == "offered":
        raise ValidationError("status", _l("godta avtalet under Avtal innan ni publicerar tjänster"))


# Applications and contracts ---------------------------------------------------------------------

def record_application(session: Session, provider: Provider) -> dict[str, int]:
    """The versions an application is made against (service type -> version), for its audit row."""
    return {t: c.version for t, c in current_by_type(session).items() if t in provider.service_types}


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def offer_contract(session: Session, provider: Provider, actor_id: int | None, today: date
                   ) -> Contract | None:
    """The contract an approval makes: the current version of each of the provider's service
    types, from today for the shortest contract period among them. None without conditions."""
    versions = {t: c for t, c in current_by_type(session).items() if t in provider.service_types}
    if not versions or live_contract(session, provider.id) is not None:
        return None
    months = min(c.contract_months for c in versions.values())
    contract = Contract(ref=new_ref("AVT"), provider_id=provider.id, status="offered",
                        terms={t: c.id for t, c in sorted(versions.items())}, start_date=today,
                        end_date=add_months(today, months) - timedelta(days=1),
                        created_by_id=actor_id)
    session.add(contract)
    session.flush()
    record_change(session, actor_id, "offer", "contract", contract.id,
                  after={"provider_id": provider.id, "terms": contract.terms,
                         "start_date": today.isoformat(), "end_date": contract.end_date.isoformat()})
    return contract


def live_contract(session: Session, provider_id: int) -> Contract | None:
    """The provider's contract that is offered or in force."""
    return session.exec(select(Contract).where(Contract.provider_id == provider_id,
                                               Contract.status.in_(("offered", "active")))
                        .order_by(Contract.id.desc())).first()


def contracts_of(session: Session, provider_id: int) -> list[Contract]:
    return list(session.exec(select(Contract).where(Contract.provider_id == provider_id)
                             .order_by(Contract.id.desc())).all())


def _own(contract: Contract | None, user: User) -> Contract:
    if contract is None or user.provider_id != contract.provider_id:
        raise ValidationError("contract", _l("avtalet finns inte"))
    return contract


def accept_contract(session: Session, contract: Contract | None, user: User) -> Contract:
    """The provider accepts the offered contract; who and when are recorded."""
    contract = _own(contract, user)
    if contract.status != "offered":
        raise ValidationError("contract", _l("avtalet är redan godtaget"))
    contract.status = "active"
    contract.accepted_at = utcnow()
    contract.accepted_by_id = user.id
    record_change(session, user.id, "accept", "contract", contract.id, before={"status": "offered"},
                  after={"status": "active", "terms": contract.terms})
    notify(session, role="admin", subject=_l("Avtal %(ref)s är godtaget", ref=contract.ref),
           body=_l("Anordnaren har godtagit avtal %(ref)s (%(email)s).", ref=contract.ref, email=user.email))
    return contract


def _own_change(session: Session, change_id: int, user: User, today: date
                ) -> tuple[ContractChange, Contract]:
    change = session.get(ContractChange, change_id)
    contract = _own(session.get(Contract, change.contract_id) if change else None, user)
    if change.status != "pending":
        raise ValidationError("change", _l("de nya villkoren är redan besvarade"))
    if today > change.accept_by:
        raise ValidationError("change", _l("sista dagen att godta de nya villkoren har passerat"))
    return change, contract


def accept_change(session: Session, change_id: int, user: User, today: date) -> ContractChange:
    """The new version becomes the contract's terms for its service type."""
    change, contract = _own_change(session, change_id, user, today)
    before = dict(contract.terms)
    contract.terms = {**contract.terms, change.service_type: change.conditions_id}
    change.status, change.decided_at, change.decided_by_id = "accepted", utcnow(), user.id
    record_change(session, user.id, "accept", "contract_change", change.id,
                  before={"terms": before}, after={"terms": contract.terms})
    return change


def decline_change(session: Session, change_id: int, user: User, today: date) -> ContractChange:
    """The old terms go on until the contract's end date, and the contract ends then."""
    change, contract = _own_change(session, change_id, user, today)
    change.status, change.decided_at, change.decided_by_id = "declined", utcnow(), user.id
    record_change(session, user.id, "decline", "contract_change", change.id,
                  after={"contract": contract.ref, "ends_on": contract.end_date.isoformat()})
    notify(session, role="admin", subject=_l("Avtal %(ref)s: nya villkor avböjda", ref=contract.ref),
           body=_l("Anordnaren godtar inte de nya villkoren. Avtalet upphör %(end)s.",
                   end=contract.end_date.isoformat()))
    return change


def changes_of(session: Session, contract_ids: list[int]) -> list[ContractChange]:
    if not contract_ids:
        return []
    return list(session.exec(select(ContractChange).where(ContractChange.contract_id.in_(contract_ids))
                             .order_by(ContractChange.id)).all())


def ending(contract: Contract, changes: list[ContractChange], today: date) -> bool:
    """True when a new version was declined or not accepted in time: the contract ends at its end date."""
    return any(c.contract_id == contract.id and (
        c.status in ("declined", "lapsed") or (c.status == "pending" and today > c.accept_by))
        for c in changes)


def lapse_overdue(session: Session, today: date) -> list[ContractChange]:
    """New terms not accepted by their date lapse: the contract runs to its end date on the old terms."""
    lapsed = list(session.exec(select(ContractChange).where(ContractChange.status == "pending",
                                                            ContractChange.accept_by < today)).all())
    for change in lapsed:
        change.status, change.decided_at = "lapsed", utcnow()
        record_change(session, None, "lapse", "contract_change", change.id,
                      after={"contract_id": change.contract_id, "accept_by": change.accept_by.isoformat()})
    return lapsed


def end_expired(session: Session, today: date) -> list[Contract]:
    """Contracts past their end date end (run by the daily job or `flask procurement end`)."""
    lapse_overdue(session, today)
    ended = []
    for contract in session.exec(select(Contract).where(Contract.status.in_(("offered", "active")),
                                                        Contract.end_date < today)).all():
        contract.status = "ended"
        record_change(session, None, "end", "contract", contract.id, after={"status": "ended"})
        ended.append(contract)
    return ended


def ending_contracts_job(session: Session, today: date) -> JobOutcome:
    """Daily: contracts past their end date end (once per day, whatever schedulers run)."""
    return run_once(session, "ending_contracts", today.isoformat(),
                    lambda s: f"{len(end_expired(s, today))} avtal har upphört")
