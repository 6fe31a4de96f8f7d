"""Audit entries as a person reads them: the action and the record in Swedish, each changed field
as "label: before → after" with code values turned into their labels (never raw codes or JSON)."""
from __future__ import annotations

from dataclasses import dataclass

from app.common.labels import LABELS, label
from app.common.models import AuditLog

# Which label list names the values of a field (per entity where the same name means different things).
_VALUE_KIND = {"role": "role", "service_type": "service_type", "service_types": "service_type",
               "end_reason": "end_reason", "chosen_by": "chosen_by", "mode": "default_mode",
               "rate_unit": "rate_unit"}
_STATUS_KIND = {"provider": "provider_status", "offering": "offering_status", "settlement": "settlement_status",
                "outcome": "outcome_status", "attendance": "attendance_status"}
_KIND_KIND = {"outcome": "outcome_kind", "provider_document": "document_kind"}
# The value that names a record better than its id, when the entry holds it.
_NAME_FIELDS = ("number", "title", "name", "email", "period", "ref", "placement")


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    action: str
    record: str
    changes: list[Change]


def _value_kind(entity: str, field_name: str) -> str | None:
    if field_name == "status":
        return _STATUS_KIND.get(entity)
    if field_name == "kind":
        return _KIND_KIND.get(entity)
    return _VALUE_KIND.get(field_name)


def readable_value(entity: str, field_name: str, value: object) -> str:
    """One value as text: labels for codes, Ja/Nej, lists joined, nested records as "fält: värde"."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return label("yes_no", value)
    if isinstance(value, list):
        return ", ".join(readable_value(entity, field_name, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {readable_value(entity, k, v)}" for k, v in value.items())
    kind = _value_kind(entity, field_name)
    return label(kind, value) if kind else str(value)


def field_label(field_name: str) -> str:
    known = LABELS["audit_field"].get(field_name)
    return str(known) if known is not None else field_name.replace("_", " ").capitalize()


def readable(entry: AuditLog) -> Entry:
    before, after = entry.before or {}, entry.after or {}
    fields = list(dict.fromkeys([*before, *after]))
    changes = [Change(field_label(f), readable_value(entry.entity, f, before[f]) if f in before else "",
                      readable_value(entry.entity, f, after.get(f)))
               for f in fields if f not in before or before.get(f) != after.get(f)]
    name = next((str(after[f]) for f in _NAME_FIELDS if after.get(f)), None) or \
        (str(entry.entity_id) if entry.entity_id is not None else "")
    record = f"{label('audit_entity', entry.entity)} {name}".strip()
    return Entry(label("audit_action", entry.action), record, changes)
