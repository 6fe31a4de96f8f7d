"""The sections of the import file (shared/spec/exchange.md, "Import file"), record by record.

Each section names its model, its fields with their parsers, the fields a new record needs and
the fields that refer to another section. Attendance is not here: its rows have no ref and come
by the hundred thousand, so app/exchange/importer/attendance.py reads and writes them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.common import clock, identifiers
from app.common.errors import ValidationError
from app.exchange.importer import fields as f
from app.kundval.models import (
    CHOSEN_BY,
    EMPLOYMENT_FORMS,
    END_REASONS,
    LEVELS,
    OUTCOME_KINDS,
    Client,
    Outcome,
    Placement,
    Referral,
)
from app.offerings.models import OFFERING_STATUSES, RATE_UNITS, SERVICE_TYPES, Offering
from app.providers.models import PROVIDER_KINDS, PROVIDER_STATUSES, Provider
from app.settlement.models import BonusRule

SECTIONS = ("providers", "offerings", "bonus_rules", "clients", "referrals", "placements",
            "attendance", "outcomes")


@dataclass
class ImportSummary:
    """How many records of each section were created and how many existing ones changed."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    # (placement id, date, (status, hours) before or None, (status, hours) after) of the rows
    # written in a settled month: the late changes (only those, so a big import keeps no list).
    attendance_changes: list = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return {"created": dict(self.created), "updated": dict(self.updated)}


@dataclass(frozen=True)
class Section:
    name: str
    model: type
    fields: dict[str, f.Parser]
    required: tuple[str, ...]
    links: dict[str, str]  # reference field -> section it names


SPEC = {s.name: s for s in (
    Section("providers", Provider, {
        "ref": f.ref, "org_nr": f.org_nr, "name": f.text(200, True),
        "status": f.choice(PROVIDER_STATUSES), "email": f.email,
        "phone": f.text(f.max_len(Provider, "phone")), "contact_name": f.text(200),
        "address": f.text(200), "postal_code": f.text(f.max_len(Provider, "postal_code")),
        "city": f.text(100), "bankgiro": f.identifier(identifiers.normalize_bankgiro, "bankgiro number"),
        "plusgiro": f.identifier(identifiers.normalize_plusgiro, "plusgiro number"),
        "f_skatt": f.boolean(), "vat_number": f.identifier(identifiers.normalize_vat_number, "VAT number"),
        "self_billing": f.boolean(), "insurance": f.text(200), "description": f.text(None),
        "service_types": f.list_of(SERVICE_TYPES, nonempty=False),
        "kind": f.choice(PROVIDER_KINDS), "iop": f.boolean(),
    }, ("org_nr", "name"), {}),
    Section("offerings", Offering, {
        "ref": f.ref, "provider": f.ref, "service_type": f.choice(SERVICE_TYPES),
        "title": f.text(200, True), "rate_unit": f.choice(RATE_UNITS), "rate": f.money,
        "vat_rate": f.vat_rate, "capacity": f.whole(0, 1_000_000), "start_share": f.whole(0, 100),
        "default_choice": f.boolean(), "description": f.text(None), "area": f.text(100),
        "address": f.text(200), "languages": f.languages, "target_groups": f.text(None),
        "available_from": f.calendar_date(True), "available_to": f.calendar_date(True),
        "status": f.choice(OFFERING_STATUSES), "level_rates": f.level_rates,
    }, ("provider", "service_type", "title", "rate_unit", "rate"), {"provider": "providers"}),
    Section("bonus_rules", BonusRule, {
        "ref": f.ref, "name": f.text(200), "description": f.text(None),
        "priority": f.whole(-1_000_000, 1_000_000), "service_types": f.list_of(SERVICE_TYPES),
        "min_age": f.whole(0, 150, True), "max_age": f.whole(0, 150, True),
        "newly_arrived": f.boolean(nullable=True), "placements_from": f.calendar_date(True),
        "placements_to": f.calendar_date(True), "outcome_kinds": f.list_of(OUTCOME_KINDS),
        "tiers": f.tiers, "grace_days": f.whole(0, 36500), "sustain_days": f.whole(0, 36500),
        "sustain_amount": f.money, "levels": f.levels,
    }, ("service_types", "outcome_kinds", "tiers"), {}),
    Section("clients", Client, {
        "ref": f.ref, "personal_id": f.personal_id, "name": f.text(200, True),
        "newly_arrived": f.boolean(), "children_in_household": f.boolean(),
        "language": f.text(f.max_len(Client, "language")), "phone": f.text(f.max_len(Client, "phone")),
        "area": f.text(f.max_len(Client, "area")),
    }, ("personal_id", "name"), {}),
    Section("referrals", Referral, {
        "ref": f.ref, "client": f.ref, "service_type": f.choice(SERVICE_TYPES),
        "decided_on": f.calendar_date(), "valid_from": f.calendar_date(), "valid_to": f.calendar_date(),
        "max_hours_per_week": f.weekly_cap, "choice_deadline": f.calendar_date(True),
        "level": f.choice(LEVELS, nullable=True),
    }, ("client", "service_type", "decided_on", "valid_from", "valid_to"), {"client": "clients"}),
    Section("placements", Placement, {
        "ref": f.ref, "referral": f.ref, "offering": f.ref, "chosen_by": f.choice(CHOSEN_BY),
        "start_date": f.calendar_date(), "ended_on": f.calendar_date(True),
        "end_reason": f.choice(END_REASONS, nullable=True),
    }, ("referral", "offering", "start_date"), {"referral": "referrals", "offering": "offerings"}),
    Section("outcomes", Outcome, {
        "ref": f.ref, "placement": f.ref, "kind": f.choice(OUTCOME_KINDS),
        "result_date": f.calendar_date(), "verified_on": f.calendar_date(True),
        "sustained_verified_on": f.calendar_date(True), "employer": f.text(200),
        "extent": f.text(100), "rejected_on": f.calendar_date(True), "rejection_reason": f.text(None),
        "employment_form": f.choice(("",) + EMPLOYMENT_FORMS),
    }, ("placement", "kind", "result_date"), {"placement": "placements"}),
)}
# Nothing is reported ahead of time (exchange.md); a referral's valid_to may lie ahead.
NOT_AFTER_TODAY = {"outcomes": ("result_date", "verified_on", "sustained_verified_on")}
NOUN = {"providers": "provider", "offerings": "offering", "clients": "client",
        "referrals": "referral", "placements": "placement"}
# An offering's price terms and a referral's service type are what placements are paid by.
FROZEN_OFFERING_FIELDS = ("provider", "service_type", "rate_unit", "rate", "vat_rate", "start_share",
                          "level_rates")


@dataclass(eq=False)
class Rec:
    """One record of the document (path set) or one only in the database (path None)."""

    path: str | None
    given: dict
    obj: Any = None
    targets: dict = field(default_factory=dict)  # reference field -> Rec

    @property
    def ref(self) -> str:
        return self.given["ref"] if "ref" in self.given else self.obj.ref

    def value(self, name: str):
        """The value after the import: the document's if it gives one, else the stored one."""
        if name in self.given:
            return self.given[name]
        return getattr(self.obj, name, None) if self.obj is not None else None


@dataclass(frozen=True)
class Stored:
    """A row this import inserted: its id is all later sections need of it."""

    id: int
    ref: str


def parse_section(name: str, raw_records: Iterable) -> list[Rec]:
    """A section's records, each field parsed, refs unique within the section."""
    spec = SPEC[name]
    records = [parse_record(spec, i, raw) for i, raw in enumerate(raw_records)]
    check_unique(records, "ref", lambda r: f"duplicate ref {r.given['ref']!r}")
    if name == "providers":
        check_unique(records, "org_nr", lambda r: "the same organisationsnummer as another provider")
    elif name == "clients":
        check_unique(records, "personal_id", lambda r: "the same personnummer as another client")
    return records


def parse_record(spec: Section, index: int, raw: Any) -> Rec:
    path = f"{spec.name}[{index}]"
    if not isinstance(raw, dict):
        raise ValidationError(path, "must be an object")
    if "ref" not in raw:
        raise ValidationError(f"{path}.ref", "required")
    # Fields the format does not know are ignored: the format may grow (exchange.md).
    given = {name: parse(raw[name], f"{path}.{name}") for name, parse in spec.fields.items() if name in raw}
    for name in NOT_AFTER_TODAY.get(spec.name, ()):
        if given.get(name) is not None and given[name] > clock.today():
            raise ValidationError(f"{path}.{name}", f.after_today(clock.today()))
    return Rec(path, given)


def check_unique(recs: list[Rec], name: str, message: Callable[[Rec], str]) -> None:
    first: dict = {}
    for rec in recs:
        if name not in rec.given:
            continue
        other = first.setdefault(rec.given[name], rec)
        if other is not rec:
            raise ValidationError(f"{rec.path}.{name}", f"{message(rec)} (also {other.path})")
