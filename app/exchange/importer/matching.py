"""Phase 2 of an import: match the document's records to stored ones, in bulk look-ups.

Records are matched on `ref`, providers also on `org_nr` and clients on `personal_id`
(exchange.md); one query per chunk of values, so a file of many records costs few statements.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from app.common.errors import ValidationError
from app.common.personal_data import cipher
from app.exchange.importer.attendance import AttendanceRows
from app.exchange.importer.sections import NOUN, SPEC, Rec
from app.kundval.models import Client
from app.providers.models import Provider

CHUNK = 2000  # values per IN (...) look-up and rows per INSERT; far below both databases' limits
_KEYS = {"providers": "org_nr", "clients": "personal_id"}


def in_chunks(values: Iterable, size: int = CHUNK) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def load_by(session: Session, model, column: str, values: Iterable) -> list:
    col = getattr(model, column)
    found = []
    for chunk in in_chunks(set(values)):
        found.extend(session.execute(select(model).where(col.in_(chunk))).scalars())
    return found


def wanted_refs(records: dict[str, list[Rec]], attendance: AttendanceRows) -> dict[str, set]:
    """Per section, the refs the document gives or refers to."""
    wanted: dict[str, set] = {name: {r.given["ref"] for r in recs} for name, recs in records.items()}
    for name, spec in SPEC.items():
        for link, target in spec.links.items():
            wanted[target].update(r.given[link] for r in records[name] if link in r.given)
    wanted["placements"].update(attendance.placement_refs())
    return wanted


def match_existing(session: Session, records: dict[str, list[Rec]],
                   attendance: AttendanceRows) -> dict[str, dict[str, Rec]]:
    """Per section, ref -> record: the document's (matched to a stored row if any), then the database's."""
    wanted = wanted_refs(records, attendance)
    resolved: dict[str, dict[str, Rec]] = {}
    for name, spec in SPEC.items():
        stored = load_by(session, spec.model, "ref", wanted[name])
        by_ref = {obj.ref: obj for obj in stored}
        by_key = _stored_by_key(session, name, records[name])
        section: dict[str, Rec] = {}
        claimed: dict[int, Rec] = {}
        for rec in records[name]:
            rec.obj = _match_one(name, rec, by_ref.get(rec.given["ref"]), by_key, claimed)
            if rec.obj is None:
                _check_required(name, rec)
            section[rec.given["ref"]] = rec
        for obj in stored:
            section.setdefault(obj.ref, Rec(None, {}, obj))
        resolved[name] = section
    return resolved


def _stored_by_key(session: Session, name: str, recs: list[Rec]) -> dict:
    """Stored providers by org_nr, clients by the keyed hash of their personnummer."""
    key = _KEYS.get(name)
    if key == "org_nr":
        orgs = [r.given["org_nr"] for r in recs if "org_nr" in r.given]
        return {p.org_nr: p for p in load_by(session, Provider, "org_nr", orgs)}
    if key == "personal_id":
        for rec in recs:
            if "personal_id" in rec.given:
                rec.given["personal_id_hash"] = cipher().lookup_hash(rec.given["personal_id"])
        hashes = [r.given["personal_id_hash"] for r in recs if "personal_id" in r.given]
        return {c.personal_id_hash: c for c in load_by(session, Client, "personal_id_hash", hashes)}
    return {}


def _match_one(name: str, rec: Rec, obj, by_key: dict, claimed: dict[int, Rec]):
    """The stored row this record names (by ref, or by org_nr/personal_id), if any."""
    key = _KEYS.get(name)
    if key:
        other = by_key.get(rec.given.get("personal_id_hash" if key == "personal_id" else key))
        if obj is not None and other is not None and other is not obj:
            raise ValidationError(f"{rec.path}.{key}", f"belongs to another {NOUN[name]} (ref {other.ref!r})")
        obj = obj or other
    if obj is not None:
        if obj.id in claimed:
            raise ValidationError(f"{rec.path}.ref", f"names the same stored {NOUN[name]} as {claimed[obj.id].path}")
        claimed[obj.id] = rec
    return obj


def _check_required(name: str, rec: Rec) -> None:
    for required in SPEC[name].required:
        if required not in rec.given:
            raise ValidationError(f"{rec.path}.{required}", "required")
