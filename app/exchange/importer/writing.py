"""Phase 3 of an import: create or update the records, section by section in bulk statements."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlmodel import Session

from app.common import identifiers
from app.common.base import utcnow
from app.common.personal_data import cipher
from app.exchange.importer import attendance as attendance_rows
from app.exchange.importer.matching import in_chunks
from app.exchange.importer.sections import SPEC, ImportSummary, Rec, Stored


def columns(name: str, rec: Rec) -> dict:
    """The document's fields as column values of the section's model."""
    spec = SPEC[name]
    values = {k: v for k, v in rec.given.items() if k in spec.model.__table__.c and k not in spec.links}
    for link, target in rec.targets.items():
        values[f"{link}_id"] = target.obj.id
    if name == "bonus_rules" and "name" not in rec.given and rec.given.get("description"):
        values["name"] = rec.given["description"][:200]  # the only label older files give a rule
    if name == "clients" and "personal_id" in rec.given:
        values.pop("personal_id_hash", None)
        if rec.obj is None or rec.obj.personal_id_hash != rec.given["personal_id_hash"]:
            values.update(_personal_id_columns(rec.given["personal_id"], rec.given["personal_id_hash"]))
    return values


def _personal_id_columns(pid: str, lookup_hash: str) -> dict:
    return {"personal_id_encrypted": cipher().encrypt(pid), "personal_id_hash": lookup_hash,
            "birth_date": identifiers.birth_date_of(pid), "gender": identifiers.gender_of(pid)}


def write(session: Session, records: dict[str, list[Rec]], resolved: dict[str, dict[str, Rec]],
          attendance: attendance_rows.AttendanceRows, summary: ImportSummary) -> None:
    for name, spec in SPEC.items():
        if name == "outcomes":
            _write_attendance(session, resolved["placements"], attendance, summary)
        new = []
        for rec in records[name]:
            values = columns(name, rec)
            if rec.obj is None:
                new.append((rec, values))
            elif apply(rec.obj, values):
                summary.updated[name] += 1
        session.flush()  # renamed refs and org numbers are stored before new rows may reuse them
        insert_new(session, spec.model, new)
        summary.created[name] = len(new)


def insert_new(session: Session, model, new: list[tuple[Rec, dict]]) -> None:
    """Insert in bulk statements, then read back the new rows' ids by ref: later sections link to them."""
    if not new:
        return
    now = utcnow()
    defaults = {name: info.get_default(call_default_factory=True) for name, info in model.model_fields.items()
                if name != "id" and not info.is_required()}
    rows = [{**defaults, "created_at": now, "updated_at": now, **values} for _, values in new]
    for chunk in in_chunks(rows):
        session.execute(insert(model.__table__), chunk)
    del rows
    ids: dict[str, int] = {}
    for chunk in in_chunks(rec.given["ref"] for rec, _ in new):
        ids.update(tuple(row) for row in session.execute(select(model.ref, model.id).where(model.ref.in_(chunk))))
    for rec, _ in new:
        rec.obj = Stored(ids[rec.given["ref"]], rec.given["ref"])


def apply(obj, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _write_attendance(session: Session, placements: dict[str, Rec], rows: attendance_rows.AttendanceRows,
                      summary: ImportSummary) -> None:
    numbered = sorted(rows.number.items(), key=lambda item: item[1])
    placement_ids = [placements[ref].obj.id for ref, _ in numbered]
    new_placements = {placements[ref].obj.id for ref, _ in numbered if isinstance(placements[ref].obj, Stored)}
    written = attendance_rows.write(session, rows, placement_ids, new_placements)
    summary.created["attendance"] = written.created
    summary.updated["attendance"] = written.updated
    summary.attendance_changes = written.changes
