"""Phase 2 of an import, continued: references resolve and the records make sense together.

Dates in order, a placement's offering of its referral's service type, price terms and paid
bonus rules that don't change under a placement (exchange.md), prices within the procurement's
conditions. Nothing here writes.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from app.common.errors import ValidationError
from app.exchange.importer.attendance import AttendanceRows
from app.exchange.importer.matching import in_chunks, load_by
from app.exchange.importer.sections import FROZEN_OFFERING_FIELDS, NOUN, SPEC, Rec
from app.kundval.models import Placement, Referral
from app.offerings.models import Offering

_PRICE_TERMS = ("rate", "rate_unit", "service_type", "level_rates")


def check_links(session: Session, records: dict[str, list[Rec]], resolved: dict[str, dict[str, Rec]],
                attendance: AttendanceRows) -> None:
    """References resolve, and the records make sense together (dates in order, matching types)."""
    for name, spec in SPEC.items():
        for rec in records[name]:
            _resolve(rec, spec.links, resolved)
    unknown = attendance.first_unknown(resolved["placements"])
    if unknown is not None:
        ref, index = unknown
        raise ValidationError(f"attendance[{index}].placement", f"unknown placement {ref!r}")
    check_dates(records)
    check_frozen(session, records)
    check_paid_bonus_rules(session, records)
    check_service_types(session, records)
    check_prices(session, records)


def _resolve(rec: Rec, links: dict[str, str], resolved: dict[str, dict[str, Rec]]) -> None:
    for link, target in links.items():
        if link in rec.given:
            found = resolved[target].get(rec.given[link])
            if found is None:
                raise ValidationError(f"{rec.path}.{link}", f"unknown {NOUN[target]} {rec.given[link]!r}")
            rec.targets[link] = found


def check_dates(records: dict[str, list[Rec]]) -> None:
    _check_order(records["offerings"], "available_from", "available_to")
    _check_order(records["bonus_rules"], "min_age", "max_age", "must not be less than")
    _check_order(records["bonus_rules"], "placements_from", "placements_to")
    _check_order(records["referrals"], "valid_from", "valid_to")
    _check_order(records["placements"], "start_date", "ended_on")
    for rec in records["placements"]:
        ended_on, end_reason = rec.value("ended_on"), rec.value("end_reason")
        if ended_on is not None and end_reason is None:
            raise ValidationError(f"{rec.path}.end_reason", "required when ended_on is given")
        if end_reason is not None and ended_on is None:
            raise ValidationError(f"{rec.path}.ended_on", "required when end_reason is given")


def _check_order(recs: list[Rec], first: str, last: str, wording: str = "must not be before") -> None:
    for rec in recs:
        low, high = rec.value(first), rec.value(last)
        if low is not None and high is not None and high < low:
            raise ValidationError(f"{rec.path}.{last}", f"{wording} {first}")


def _moves_provider(rec: Rec) -> bool:
    """A stored offering the document gives another provider (one new in the document counts)."""
    target = rec.targets.get("provider")
    return target is not None and (target.obj is None or target.obj.id != rec.obj.provider_id)


def _changes(rec: Rec, name: str) -> bool:
    return name in rec.given and rec.given[name] != getattr(rec.obj, name)


def _changed_offerings(records: dict[str, list[Rec]]) -> dict[int, tuple[Rec, str]]:
    """Stored offerings whose price terms the document changes: id -> (record, first field changed)."""
    changed: dict[int, tuple[Rec, str]] = {}
    for rec in records["offerings"]:
        if rec.obj is None:
            continue
        for name in FROZEN_OFFERING_FIELDS:
            if _moves_provider(rec) if name == "provider" else _changes(rec, name):
                changed.setdefault(rec.obj.id, (rec, name))
    return changed


def check_frozen(session: Session, records: dict[str, list[Rec]]) -> None:
    """An offering's price terms and a referral's service type never change once a placement uses them."""
    changed_referrals = {rec.obj.id: (rec, "service_type") for rec in records["referrals"]
                         if rec.obj is not None and _changes(rec, "service_type")}
    for column, changed, noun in (
            (Placement.offering_id, _changed_offerings(records), "offering (make a new offering)"),
            (Placement.referral_id, changed_referrals, "referral")):
        for chunk in in_chunks(changed):
            used = set(session.execute(select(column).where(column.in_(chunk)).distinct()).scalars())
            for obj_id in chunk:
                if obj_id in used:
                    rec, name = changed[obj_id]
                    raise ValidationError(f"{rec.path}.{name}", f"cannot change once a placement uses the {noun}")


def check_paid_bonus_rules(session: Session, records: dict[str, list[Rec]]) -> None:
    """A bonus rule that has paid out keeps its terms; only placements_to (retiring it) may change."""
    from app.settlement import bonus_rules

    changed = [(rec, name) for rec in records["bonus_rules"] if rec.obj is not None
               for name in [bonus_rules.frozen_field_changed(rec.obj, rec.given)] if name]
    if not changed:
        return
    used = bonus_rules.usage(session)
    for rec, name in changed:
        if used[rec.obj.id].has_paid:
            raise ValidationError(f"{rec.path}.{name}", "cannot change once the rule has paid out (retire it "
                                                        "with placements_to and add a rule with placements_from)")


def check_service_types(session: Session, records: dict[str, list[Rec]]) -> None:
    """A placement's offering must be of the service type its referral decided."""
    pending = [rec for rec in records["placements"] if "referral" in rec.targets or "offering" in rec.targets]
    offering_ids = {rec.obj.offering_id for rec in pending if "offering" not in rec.targets}
    referral_ids = {rec.obj.referral_id for rec in pending if "referral" not in rec.targets}
    offerings = {o.id: o for o in load_by(session, Offering, "id", offering_ids)}
    referrals = {r.id: r for r in load_by(session, Referral, "id", referral_ids)}
    for rec in pending:
        offering = rec.targets.get("offering") or Rec(None, {}, offerings[rec.obj.offering_id])
        referral = rec.targets.get("referral") or Rec(None, {}, referrals[rec.obj.referral_id])
        if offering.value("service_type") != referral.value("service_type"):
            raise ValidationError(
                f"{rec.path}.offering",
                f"offering {offering.ref!r} is {offering.value('service_type')}, "
                f"but referral {referral.ref!r} is for {referral.value('service_type')}")


def _price_checked(rec: Rec) -> bool:
    """A stored offering is checked only when its price terms change: unchanged ones stay as they are."""
    return rec.obj is None or any(_changes(rec, name) for name in _PRICE_TERMS) or (
        "provider" in rec.targets and _moves_provider(rec))


def _provider_id(rec: Rec) -> int | None:
    """The offering's provider after the import; None for a provider new in this document."""
    target = rec.targets.get("provider")
    if target is None:
        return rec.obj.provider_id
    return target.obj.id if target.obj is not None else None


def check_prices(session: Session, records: dict[str, list[Rec]]) -> None:
    """An offering's rate keeps to the price rule of the conditions it falls under (procurement)."""
    from app.procurement.service import applicable_many, price_problem

    offerings = [rec for rec in records["offerings"] if _price_checked(rec)]
    if not offerings:
        return
    provider_of = {rec.path: _provider_id(rec) for rec in offerings}
    rules = applicable_many(session, {pid for pid in provider_of.values() if pid is not None})
    for rec in offerings:
        cond = rules(provider_of[rec.path], rec.value("service_type"))
        problem = price_problem(cond, rec.value("rate_unit"), rec.value("rate"), rec.value("level_rates"))
        if problem:
            rule = {"fixed": "a fixed rate of", "ceiling": "at most"}[cond.price_rule]
            raise ValidationError(f"{rec.path}.{problem[0]}",
                                  f"the conditions for {cond.service_type} (version {cond.version}) "
                                  f"allow {rule} {cond.price_amount} {cond.price_unit}")
