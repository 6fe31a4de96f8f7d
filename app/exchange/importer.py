"""Import of the exchange file (shared/spec/exchange.md): validate a whole document, then write it.

`import_document` checks everything it can before it writes anything and raises
ValidationError naming the record and field (`attendance[12].hours`); it never commits,
so the caller's rollback leaves the database as it was. Look-ups are made in bulk, one
query per section, so a file with hundreds of thousands of attendance rows stays fast.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import insert, select, text, update
from sqlmodel import Session

from app.common import clock, identifiers
from app.common.audit import record_change
from app.common.base import utcnow
from app.common.dates import BadDate, in_bounds
from app.common.errors import ValidationError
from app.common.money import MAX_DAY_HOURS, MAX_MONEY, MAX_WEEK_HOURS
from app.common.personal_data import cipher
from app.kundval.models import (
    ATTENDANCE_STATUSES,
    CHOSEN_BY,
    EMPLOYMENT_FORMS,
    END_REASONS,
    LEVELS,
    OUTCOME_KINDS,
    Attendance,
    Client,
    Outcome,
    Placement,
    Referral,
)
from app.offerings.models import OFFERING_STATUSES, RATE_UNITS, SERVICE_TYPES, VAT_RATES, Offering
from app.providers.models import PROVIDER_KINDS, PROVIDER_STATUSES, Provider
from app.settlement import late_changes
from app.settlement.models import BonusRule

SECTIONS = ("providers", "offerings", "bonus_rules", "clients", "referrals", "placements",
            "attendance", "outcomes")
CHUNK = 2000  # values per IN (...) look-up and rows per INSERT; far below both databases' limits
QUARTER = Decimal("0.25")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

Parser = Callable[[Any, str], Any]


@dataclass
class ImportSummary:
    """How many records of each section were created and how many existing ones changed."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    # (placement id, date, (status, hours) before or None, (status, hours) after), for the late changes
    attendance_changes: list = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return {"created": dict(self.created), "updated": dict(self.updated)}


# --- field parsers: (value, path) -> clean value, or ValidationError(path, ...) -------------------

def _max_len(model, column: str) -> int | None:
    return getattr(model.__table__.c[column].type, "length", None)


def _text(max_len: int | None, required: bool = False) -> Parser:
    def parse(value, path):
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            raise ValidationError(path, "must be a string")
        value = value.strip()
        if required and not value:
            raise ValidationError(path, "must not be empty")
        if max_len is not None and len(value) > max_len:
            raise ValidationError(path, f"must be at most {max_len} characters")
        return value
    return parse


def _ref(value, path):
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(path, "must be a non-empty string")
    if len(value) > 64:
        raise ValidationError(path, "must be at most 64 characters")
    return value


def _bool(nullable: bool = False) -> Parser:
    def parse(value, path):
        if value is None and nullable:
            return None
        if not isinstance(value, bool):
            raise ValidationError(path, "must be true or false" + (" or null" if nullable else ""))
        return value
    return parse


def _int(low: int, high: int, nullable: bool = False) -> Parser:
    def parse(value, path):
        if value is None and nullable:
            return None
        # bool is an int in Python but not in JSON; floats are refused like in money.
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError(path, "must be a whole number" + (" or null" if nullable else ""))
        if not low <= value <= high:
            raise ValidationError(path, f"must be between {low} and {high}")
        return value
    return parse


def _choice(options: Iterable, nullable: bool = False) -> Parser:
    options = tuple(options)
    expected = ", ".join(str(o) for o in options) + (" or null" if nullable else "")

    def parse(value, path):
        if value is None and nullable:
            return None
        if isinstance(value, bool) or value not in options:
            shown = repr(value)[:40] if isinstance(value, str | int) else "this value"
            raise ValidationError(path, f"unknown value {shown} (expected one of {expected})")
        return value
    return parse


def _vat_rate(value, path):
    if isinstance(value, bool) or not isinstance(value, int) or value not in VAT_RATES:
        raise ValidationError(path, "must be one of " + ", ".join(str(v) for v in VAT_RATES))
    return value


def _decimal(value, path, example: str) -> Decimal:
    """A JSON string holding an exact decimal; numbers are refused because floats are not exact."""
    if not isinstance(value, str):
        raise ValidationError(path, f'must be a string, e.g. "{example}"')
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ValidationError(path, f'expected a string like "{example}"') from None
    if not number.is_finite():
        raise ValidationError(path, f'expected a string like "{example}"')
    if number.adjusted() > 12:  # 1e400 can't even be rounded to öre
        raise ValidationError(path, "is too large")
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError(path, "must have at most 2 decimals")
    return number.quantize(Decimal("0.01"))


def _money(value, path):
    amount = _decimal(value, path, "120.50")
    if amount < 0:
        raise ValidationError(path, "must not be negative")
    if amount > MAX_MONEY:
        raise ValidationError(path, "is too large")
    return amount


def _hours(value, path):
    hours = _decimal(value, path, "7.50")
    if hours < 0:
        raise ValidationError(path, "must not be negative")
    if hours > MAX_DAY_HOURS:
        raise ValidationError(path, "must be at most 24")
    if hours % QUARTER:
        raise ValidationError(path, "must be a multiple of 0.25")
    return hours


def _weekly_cap(value, path):
    if value is None:
        return None
    hours = _decimal(value, path, "20")
    if hours <= 0:
        raise ValidationError(path, "must be greater than 0 (null means no cap)")
    if hours > MAX_WEEK_HOURS:
        raise ValidationError(path, "must be at most 168")
    return hours


def _date(nullable: bool = False) -> Parser:
    def parse(value, path):
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
            raise ValidationError(path, "not a date (YYYY-MM-DD)")
        try:
            return in_bounds(date.fromisoformat(value))
        except BadDate as exc:
            raise ValidationError(path, str(exc)) from None
        except ValueError:
            raise ValidationError(path, "no such date") from None
    return parse


def _list_of(options: Iterable, nonempty: bool = True) -> Parser:
    check = _choice(options)

    def parse(value, path):
        if not isinstance(value, list):
            raise ValidationError(path, "must be a list")
        if nonempty and not value:
            raise ValidationError(path, "must not be empty")
        items = [check(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return list(dict.fromkeys(items))
    return parse


def _level_rates(value, path):
    """{"B": "140.00"}: a rate per level, stored with 2-decimal strings; null means none."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(path, 'must be an object like {"B": "140.00"}')
    rates = {}
    for level, rate in value.items():
        if level not in LEVELS:
            raise ValidationError(f"{path}.{str(level)[:20]}",
                                  f"unknown level (expected one of {', '.join(LEVELS)})")
        rates[level] = str(_money(rate, f"{path}.{level}"))
    return dict(sorted(rates.items()))


def _levels(value, path):
    """A bonus rule's levels, sorted; null or [] means every referral."""
    return [] if value is None else sorted(_list_of(LEVELS, nonempty=False)(value, path))


def _languages(value, path):
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(path, "must be a list")
    return [_text(20, required=True)(item, f"{path}[{i}]") for i, item in enumerate(value)]


def _tiers(value, path):
    """Stored ascending by max_days with the amounts as 2-decimal strings."""
    if not isinstance(value, list) or not value:
        raise ValidationError(path, "must be a non-empty list of {max_days, amount}")
    tiers, seen = [], {}
    for i, tier in enumerate(value):
        tier_path = f"{path}[{i}]"
        if not isinstance(tier, dict):
            raise ValidationError(tier_path, "must be an object {max_days, amount}")
        for name in ("max_days", "amount"):
            if name not in tier:
                raise ValidationError(f"{tier_path}.{name}", "required")
        days = _int(0, 36500)(tier["max_days"], f"{tier_path}.max_days")
        amount = _money(tier["amount"], f"{tier_path}.amount")
        if days in seen:
            raise ValidationError(f"{tier_path}.max_days",
                                  f"duplicate max_days {days} (also {path}[{seen[days]}])")
        seen[days] = i
        tiers.append({"max_days": days, "amount": str(amount)})
    return sorted(tiers, key=lambda t: t["max_days"])


def _org_nr(value, path):
    if not isinstance(value, str):
        raise ValidationError(path, "must be a string")
    try:
        return identifiers.normalize_org_nr(value, path)
    except ValidationError:
        raise ValidationError(path, "invalid organisationsnummer") from None


def _personal_id(value, path):
    """Never puts the value in a message: it is a personnummer."""
    if not isinstance(value, str):
        raise ValidationError(path, "must be a string")
    try:
        return identifiers.normalize_personal_id(value, path)
    except ValidationError:
        raise ValidationError(path, "invalid personnummer or samordningsnummer") from None


def _identifier(normalize: Callable, what: str) -> Parser:
    def parse(value, path):
        if value is None or value == "":
            return ""
        if not isinstance(value, str):
            raise ValidationError(path, "must be a string")
        try:
            return normalize(value, path)
        except ValidationError:
            raise ValidationError(path, f"invalid {what}") from None
    return parse


def _email(value, path):
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise ValidationError(path, "must be a string")
    try:
        email = validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(path, "invalid e-mail address") from None
    if len(email) > 200:
        raise ValidationError(path, "must be at most 200 characters")
    return email


# --- the sections ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Section:
    name: str
    model: type
    fields: dict[str, Parser]
    required: tuple[str, ...]
    links: dict[str, str]  # reference field -> section it names


_SPEC = {s.name: s for s in (
    _Section("providers", Provider, {
        "ref": _ref, "org_nr": _org_nr, "name": _text(200, True),
        "status": _choice(PROVIDER_STATUSES), "email": _email,
        "phone": _text(_max_len(Provider, "phone")), "contact_name": _text(200),
        "address": _text(200), "postal_code": _text(_max_len(Provider, "postal_code")),
        "city": _text(100), "bankgiro": _identifier(identifiers.normalize_bankgiro, "bankgiro number"),
        "plusgiro": _identifier(identifiers.normalize_plusgiro, "plusgiro number"),
        "f_skatt": _bool(), "vat_number": _identifier(identifiers.normalize_vat_number, "VAT number"),
        "self_billing": _bool(), "insurance": _text(200), "description": _text(None),
        "service_types": _list_of(SERVICE_TYPES, nonempty=False),
        "kind": _choice(PROVIDER_KINDS), "iop": _bool(),
    }, ("org_nr", "name"), {}),
    _Section("offerings", Offering, {
        "ref": _ref, "provider": _ref, "service_type": _choice(SERVICE_TYPES),
        "title": _text(200, True), "rate_unit": _choice(RATE_UNITS), "rate": _money,
        "vat_rate": _vat_rate, "capacity": _int(0, 1_000_000), "start_share": _int(0, 100),
        "default_choice": _bool(), "description": _text(None), "area": _text(100),
        "address": _text(200), "languages": _languages, "target_groups": _text(None),
        "available_from": _date(True), "available_to": _date(True),
        "status": _choice(OFFERING_STATUSES), "level_rates": _level_rates,
    }, ("provider", "service_type", "title", "rate_unit", "rate"), {"provider": "providers"}),
    _Section("bonus_rules", BonusRule, {
        "ref": _ref, "name": _text(200), "description": _text(None),
        "priority": _int(-1_000_000, 1_000_000), "service_types": _list_of(SERVICE_TYPES),
        "min_age": _int(0, 150, True), "max_age": _int(0, 150, True),
        "newly_arrived": _bool(nullable=True), "placements_from": _date(True),
        "placements_to": _date(True), "outcome_kinds": _list_of(OUTCOME_KINDS), "tiers": _tiers,
        "grace_days": _int(0, 36500), "sustain_days": _int(0, 36500), "sustain_amount": _money,
        "levels": _levels,
    }, ("service_types", "outcome_kinds", "tiers"), {}),
    _Section("clients", Client, {
        "ref": _ref, "personal_id": _personal_id, "name": _text(200, True),
        "newly_arrived": _bool(), "children_in_household": _bool(),
        "language": _text(_max_len(Client, "language")), "phone": _text(_max_len(Client, "phone")),
        "area": _text(_max_len(Client, "area")),
    }, ("personal_id", "name"), {}),
    _Section("referrals", Referral, {
        "ref": _ref, "client": _ref, "service_type": _choice(SERVICE_TYPES),
        "decided_on": _date(), "valid_from": _date(), "valid_to": _date(),
        "max_hours_per_week": _weekly_cap, "choice_deadline": _date(True),
        "level": _choice(LEVELS, nullable=True),
    }, ("client", "service_type", "decided_on", "valid_from", "valid_to"), {"client": "clients"}),
    _Section("placements", Placement, {
        "ref": _ref, "referral": _ref, "offering": _ref, "chosen_by": _choice(CHOSEN_BY),
        "start_date": _date(), "ended_on": _date(True),
        "end_reason": _choice(END_REASONS, nullable=True),
    }, ("referral", "offering", "start_date"), {"referral": "referrals", "offering": "offerings"}),
    _Section("outcomes", Outcome, {
        "ref": _ref, "placement": _ref, "kind": _choice(OUTCOME_KINDS), "result_date": _date(),
        "verified_on": _date(True), "sustained_verified_on": _date(True),
        "employer": _text(200), "extent": _text(100), "rejected_on": _date(True),
        "rejection_reason": _text(None), "employment_form": _choice(("",) + EMPLOYMENT_FORMS),
    }, ("placement", "kind", "result_date"), {"placement": "placements"}),
)}
# Nothing is reported ahead of time (exchange.md); a referral's valid_to may lie ahead.
_NOT_AFTER_TODAY = {"outcomes": ("result_date", "verified_on", "sustained_verified_on")}
_NOUN = {"providers": "provider", "offerings": "offering", "clients": "client",
         "referrals": "referral", "placements": "placement"}
# An offering's price terms and a referral's service type are what placements are paid by.
_FROZEN_OFFERING_FIELDS = ("provider", "service_type", "rate_unit", "rate", "vat_rate", "start_share",
                           "level_rates")


@dataclass(eq=False)
class _Rec:
    """One record of the document (path set) or one only in the database (path None)."""

    path: str | None
    given: dict
    obj: Any = None
    targets: dict = field(default_factory=dict)  # reference field -> _Rec

    @property
    def ref(self) -> str:
        return self.given["ref"] if "ref" in self.given else self.obj.ref

    def value(self, name: str):
        """The value after the import: the document's if it gives one, else the stored one."""
        if name in self.given:
            return self.given[name]
        return getattr(self.obj, name, None) if self.obj is not None else None


@dataclass
class _AttendanceRows:
    rows: dict = field(default_factory=dict)  # (placement ref, date) -> (status, hours), last wins
    first_row: dict = field(default_factory=dict)  # placement ref -> index of its first row


# --- entry point -----------------------------------------------------------------------------------

def import_document(session: Session, doc: Any, actor_id: int | None = None, source: str = "") -> ImportSummary:
    """Validate the whole document, then create or update its records; the caller commits.

    Changes dated in a settled month are audited as late changes, with `source` (the file's name)
    as their reason."""
    records, attendance = _parse(doc)
    resolved = _match_existing(session, records, attendance)
    _check_links(session, records, resolved, attendance)
    summary = ImportSummary()
    outcomes_before = {id(rec): late_changes.outcome_dates(rec.obj) for rec in records["outcomes"]
                       if rec.obj is not None}
    _write(session, records, resolved, attendance, summary)
    outcome_changes = []
    for rec in records["outcomes"]:
        before, after = outcomes_before.get(id(rec)), late_changes.outcome_dates(rec.obj)
        if before != after:
            outcome_changes.append((rec.obj.id, rec.obj.placement_id, before, after))
    late_changes.record_import(session, actor_id, source, summary.attendance_changes, outcome_changes)
    record_change(session, actor_id, "import", "exchange", None, after=summary.as_dict())
    session.flush()
    analyze_touched(session, summary)
    return summary


ANALYZE_ROWS = 500  # rows written to a table from which its planner statistics are refreshed


def analyze_touched(session: Session, summary: ImportSummary) -> list[str]:
    """ANALYZE the tables a bulk import wrote many rows to, so the next queries plan on fresh counts.

    Autovacuum would do it later (or never, where it is off); both databases allow it inside the
    import's transaction and count its own new rows. Returns the tables analyzed."""
    tables = []
    for section in SECTIONS:
        if summary.created[section] + summary.updated[section] >= ANALYZE_ROWS:
            model = Attendance if section == "attendance" else _SPEC[section].model
            tables.append(model.__tablename__)
    for table in tables:
        # The name comes from the models, never from the document.
        session.execute(text(f'ANALYZE "{table}"'))
    return tables


# --- phase 1: shape and types, no database ---------------------------------------------------------

def _parse(doc: Any) -> tuple[dict[str, list[_Rec]], _AttendanceRows]:
    if not isinstance(doc, dict):
        raise ValidationError("$", "the document must be a JSON object with sections like \"providers\"")
    for key in doc:
        if key not in SECTIONS:
            raise ValidationError("$", f"unknown section {str(key)[:40]!r} (expected {', '.join(SECTIONS)})")
    for key, value in doc.items():
        if value is not None and not isinstance(value, list):
            raise ValidationError(key, "must be a list")
    records = {name: [_parse_record(spec, i, raw) for i, raw in enumerate(doc.get(name) or [])]
               for name, spec in _SPEC.items()}
    for recs in records.values():
        _check_unique(recs, "ref", lambda r: f"duplicate ref {r.given['ref']!r}")
    _check_unique(records["providers"], "org_nr", lambda r: "the same organisationsnummer as another provider")
    _check_unique(records["clients"], "personal_id", lambda r: "the same personnummer as another client")
    return records, _parse_attendance(doc.get("attendance") or [])


def _parse_record(spec: _Section, index: int, raw: Any) -> _Rec:
    path = f"{spec.name}[{index}]"
    if not isinstance(raw, dict):
        raise ValidationError(path, "must be an object")
    if "ref" not in raw:
        raise ValidationError(f"{path}.ref", "required")
    # Fields the format does not know are ignored: the format may grow (exchange.md).
    given = {name: parse(raw[name], f"{path}.{name}") for name, parse in spec.fields.items() if name in raw}
    for name in _NOT_AFTER_TODAY.get(spec.name, ()):
        if given.get(name) is not None and given[name] > clock.today():
            raise ValidationError(f"{path}.{name}", _after_today(clock.today()))
    return _Rec(path, given)


def _after_today(today: date) -> str:
    return f"must not be after today ({today.isoformat()}): nothing is reported ahead of time"


def _check_unique(recs: list[_Rec], name: str, message: Callable[[_Rec], str]) -> None:
    first: dict = {}
    for rec in recs:
        if name not in rec.given:
            continue
        other = first.setdefault(rec.given[name], rec)
        if other is not rec:
            raise ValidationError(f"{rec.path}.{name}", f"{message(rec)} (also {other.path})")


def _parse_attendance(raw_rows: list) -> _AttendanceRows:
    """A loop of its own: files carry hundreds of thousands of rows, most with repeated values."""
    result = _AttendanceRows()
    parse_date, parse_status = _date(), _choice(ATTENDANCE_STATUSES)
    dates: dict = {}
    hours_of: dict = {}
    today = clock.today()
    zero = Decimal("0.00")
    for i, row in enumerate(raw_rows):
        path = f"attendance[{i}]"
        if not isinstance(row, dict):
            raise ValidationError(path, "must be an object")
        for name in ("placement", "date", "status"):
            if name not in row:
                raise ValidationError(f"{path}.{name}", "required")
        ref = _ref(row["placement"], f"{path}.placement")
        text = row["date"]
        day = dates.get(text) if isinstance(text, str) else None
        if day is None:
            day = dates[text] = parse_date(text, f"{path}.date")
        if day > today:
            raise ValidationError(f"{path}.date", _after_today(today))
        status = parse_status(row["status"], f"{path}.status")
        if row.get("hours") is None and status == "absent":
            hours = zero
        elif "hours" in row:
            value = row["hours"]
            hours = hours_of.get(value) if isinstance(value, str) else None
            if hours is None:
                hours = hours_of[value] = _hours(value, f"{path}.hours")
        else:
            raise ValidationError(f"{path}.hours", "required when status is present")
        result.rows[(ref, day)] = (status, hours)  # a later row for the same key replaces the earlier
        result.first_row.setdefault(ref, i)
    return result


# --- phase 2: match existing records and resolve references (bulk look-ups) -------------------------

def _in_chunks(values: Iterable) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _load_by(session: Session, model, column: str, values: Iterable) -> list:
    col = getattr(model, column)
    found = []
    for chunk in _in_chunks(set(values)):
        found.extend(session.execute(select(model).where(col.in_(chunk))).scalars())
    return found


def _match_existing(session: Session, records: dict[str, list[_Rec]],
                    attendance: _AttendanceRows) -> dict[str, dict[str, _Rec]]:
    """Per section, ref -> record: the document's (matched to a stored row if any), then the database's."""
    wanted: dict[str, set] = {name: {r.given["ref"] for r in recs} for name, recs in records.items()}
    for name, spec in _SPEC.items():
        for link, target in spec.links.items():
            wanted[target].update(r.given[link] for r in records[name] if link in r.given)
    wanted["placements"].update(ref for ref, _ in attendance.rows)

    resolved: dict[str, dict[str, _Rec]] = {}
    for name, spec in _SPEC.items():
        stored = _load_by(session, spec.model, "ref", wanted[name])
        by_ref = {obj.ref: obj for obj in stored}
        by_key: dict = {}
        key = {"providers": "org_nr", "clients": "personal_id"}.get(name)
        if key == "org_nr":
            orgs = [r.given["org_nr"] for r in records[name] if "org_nr" in r.given]
            by_key = {p.org_nr: p for p in _load_by(session, Provider, "org_nr", orgs)}
        elif key == "personal_id":
            for rec in records[name]:
                if "personal_id" in rec.given:
                    rec.given["personal_id_hash"] = cipher().lookup_hash(rec.given["personal_id"])
            hashes = [r.given["personal_id_hash"] for r in records[name] if "personal_id" in r.given]
            by_key = {c.personal_id_hash: c for c in _load_by(session, Client, "personal_id_hash", hashes)}
        section: dict[str, _Rec] = {}
        claimed: dict[int, _Rec] = {}
        for rec in records[name]:
            obj = by_ref.get(rec.given["ref"])
            if key:
                other = by_key.get(rec.given.get("personal_id_hash" if key == "personal_id" else key))
                if obj is not None and other is not None and other is not obj:
                    raise ValidationError(f"{rec.path}.{key}",
                                          f"belongs to another {_NOUN[name]} (ref {other.ref!r})")
                obj = obj or other
            if obj is not None:
                if obj.id in claimed:
                    raise ValidationError(f"{rec.path}.ref",
                                          f"names the same stored {_NOUN[name]} as {claimed[obj.id].path}")
                claimed[obj.id] = rec
            rec.obj = obj
            if obj is None:
                for required in spec.required:
                    if required not in rec.given:
                        raise ValidationError(f"{rec.path}.{required}", "required")
            section[rec.given["ref"]] = rec
        for obj in stored:
            section.setdefault(obj.ref, _Rec(None, {}, obj))
        resolved[name] = section
    return resolved


def _check_links(session: Session, records: dict[str, list[_Rec]], resolved: dict[str, dict[str, _Rec]],
                 attendance: _AttendanceRows) -> None:
    """References resolve, and the records make sense together (dates in order, matching types)."""
    for name, spec in _SPEC.items():
        for rec in records[name]:
            for link, target in spec.links.items():
                if link in rec.given:
                    found = resolved[target].get(rec.given[link])
                    if found is None:
                        raise ValidationError(f"{rec.path}.{link}",
                                              f"unknown {_NOUN[target]} {rec.given[link]!r}")
                    rec.targets[link] = found
    for ref, index in attendance.first_row.items():
        if ref not in resolved["placements"]:
            raise ValidationError(f"attendance[{index}].placement", f"unknown placement {ref!r}")

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
    _check_frozen(session, records)
    _check_paid_bonus_rules(session, records)
    _check_service_types(session, records)
    _check_prices(session, records)


def _check_order(recs: list[_Rec], first: str, last: str, wording: str = "must not be before") -> None:
    for rec in recs:
        low, high = rec.value(first), rec.value(last)
        if low is not None and high is not None and high < low:
            raise ValidationError(f"{rec.path}.{last}", f"{wording} {first}")


def _check_frozen(session: Session, records: dict[str, list[_Rec]]) -> None:
    """An offering's price terms and a referral's service type never change once a placement uses them."""
    changed_offerings: dict[int, tuple[_Rec, str]] = {}
    for rec in records["offerings"]:
        if rec.obj is None:
            continue
        for name in _FROZEN_OFFERING_FIELDS:
            if name == "provider":
                target = rec.targets.get("provider")
                differs = target is not None and (target.obj is None or target.obj.id != rec.obj.provider_id)
            else:
                differs = name in rec.given and rec.given[name] != getattr(rec.obj, name)
            if differs:
                changed_offerings.setdefault(rec.obj.id, (rec, name))
    changed_referrals = {rec.obj.id: (rec, "service_type") for rec in records["referrals"]
                         if rec.obj is not None and "service_type" in rec.given
                         and rec.given["service_type"] != rec.obj.service_type}
    for column, changed, noun in ((Placement.offering_id, changed_offerings, "offering (make a new offering)"),
                                  (Placement.referral_id, changed_referrals, "referral")):
        for chunk in _in_chunks(changed):
            used = set(session.execute(select(column).where(column.in_(chunk)).distinct()).scalars())
            for obj_id in chunk:
                if obj_id in used:
                    rec, name = changed[obj_id]
                    raise ValidationError(f"{rec.path}.{name}",
                                          f"cannot change once a placement uses the {noun}")


def _check_paid_bonus_rules(session: Session, records: dict[str, list[_Rec]]) -> None:
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


def _check_service_types(session: Session, records: dict[str, list[_Rec]]) -> None:
    """A placement's offering must be of the service type its referral decided."""
    pending = [rec for rec in records["placements"] if "referral" in rec.targets or "offering" in rec.targets]
    offering_ids = {rec.obj.offering_id for rec in pending if "offering" not in rec.targets}
    referral_ids = {rec.obj.referral_id for rec in pending if "referral" not in rec.targets}
    offerings = {o.id: o for o in _load_by(session, Offering, "id", offering_ids)}
    referrals = {r.id: r for r in _load_by(session, Referral, "id", referral_ids)}
    for rec in pending:
        offering = rec.targets.get("offering") or _Rec(None, {}, offerings[rec.obj.offering_id])
        referral = rec.targets.get("referral") or _Rec(None, {}, referrals[rec.obj.referral_id])
        if offering.value("service_type") != referral.value("service_type"):
            raise ValidationError(
                f"{rec.path}.offering",
                f"offering {offering.ref!r} is {offering.value('service_type')}, "
                f"but referral {referral.ref!r} is for {referral.value('service_type')}")


def _check_prices(session: Session, records: dict[str, list[_Rec]]) -> None:
    """An offering's rate keeps to the price rule of the conditions it falls under (procurement)."""
    from app.procurement.service import applicable_many, price_problem

    # A stored offering is checked only when its price terms change: unchanged ones stay as they are.
    offerings = [rec for rec in records["offerings"] if rec.obj is None or any(
        name in rec.given and rec.given[name] != getattr(rec.obj, name)
        for name in ("rate", "rate_unit", "service_type", "level_rates"))
        or ("provider" in rec.targets and (rec.targets["provider"].obj is None
                                           or rec.targets["provider"].obj.id != rec.obj.provider_id))]
    if not offerings:
        return
    provider_of = {}
    for rec in offerings:
        target = rec.targets.get("provider")
        provider_of[rec.path] = (target.obj.id if target is not None and target.obj is not None
                                 else None if target is not None else rec.obj.provider_id)
    rules = applicable_many(session, {pid for pid in provider_of.values() if pid is not None})
    for rec in offerings:
        cond = rules(provider_of[rec.path], rec.value("service_type"))
        problem = price_problem(cond, rec.value("rate_unit"), rec.value("rate"),
                                rec.value("level_rates"))
        if problem:
            rule = {"fixed": "a fixed rate of", "ceiling": "at most"}[cond.price_rule]
            raise ValidationError(f"{rec.path}.{problem[0]}",
                                  f"the conditions for {cond.service_type} (version {cond.version}) "
                                  f"allow {rule} {cond.price_amount} {cond.price_unit}")


# --- phase 3: write --------------------------------------------------------------------------------

def _columns(name: str, rec: _Rec) -> dict:
    """The document's fields as column values of the section's model."""
    spec = _SPEC[name]
    values = {k: v for k, v in rec.given.items() if k in spec.model.__table__.c and k not in spec.links}
    for link, target in rec.targets.items():
        values[f"{link}_id"] = target.obj.id
    if name == "bonus_rules" and "name" not in rec.given and rec.given.get("description"):
        values["name"] = rec.given["description"][:200]  # the only label older files give a rule
    if name == "clients" and "personal_id" in rec.given:
        values.pop("personal_id_hash", None)
        if rec.obj is None or rec.obj.personal_id_hash != rec.given["personal_id_hash"]:
            pid = rec.given["personal_id"]
            values.update(personal_id_encrypted=cipher().encrypt(pid),
                          personal_id_hash=rec.given["personal_id_hash"],
                          birth_date=identifiers.birth_date_of(pid), gender=identifiers.gender_of(pid))
    return values


def _write(session: Session, records: dict[str, list[_Rec]], resolved: dict[str, dict[str, _Rec]],
           attendance: _AttendanceRows, summary: ImportSummary) -> None:
    for name, spec in _SPEC.items():
        if name == "outcomes":
            _write_attendance(session, resolved["placements"], attendance, summary)
        new = []
        for rec in records[name]:
            values = _columns(name, rec)
            if rec.obj is None:
                new.append((rec, values))
            elif _apply(rec.obj, values):
                summary.updated[name] += 1
        session.flush()  # renamed refs and org numbers are stored before new rows may reuse them
        _insert(session, spec.model, new)
        summary.created[name] = len(new)


def _insert(session: Session, model, new: list[tuple[_Rec, dict]]) -> None:
    """Insert in bulk statements, then load the new rows by ref: the next section needs their ids."""
    if not new:
        return
    now = utcnow()
    defaults = {name: info.get_default(call_default_factory=True) for name, info in model.model_fields.items()
                if name != "id" and not info.is_required()}
    rows = [{**defaults, "created_at": now, "updated_at": now, **values} for _, values in new]
    for chunk in _in_chunks(rows):
        session.execute(insert(model.__table__), chunk)
    stored = {obj.ref: obj for obj in _load_by(session, model, "ref", (rec.given["ref"] for rec, _ in new))}
    for rec, _ in new:
        rec.obj = stored[rec.given["ref"]]


def _apply(obj, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _write_attendance(session: Session, placements: dict[str, _Rec], attendance: _AttendanceRows,
                      summary: ImportSummary) -> None:
    """Insert new (placement, date) rows and replace stored ones, in bulk statements."""
    if not attendance.rows:
        return
    placement_id = {ref: placements[ref].obj.id for ref in attendance.first_row}
    stored: dict = {}
    for chunk in _in_chunks(set(placement_id.values())):
        for row_id, p_id, day, status, hours in session.execute(
                select(Attendance.id, Attendance.placement_id, Attendance.date, Attendance.status,
                       Attendance.hours).where(Attendance.placement_id.in_(chunk))):
            stored[(p_id, day)] = (row_id, status, hours)
    now = utcnow()
    inserts, updates = [], []
    for (ref, day), (status, hours) in attendance.rows.items():
        p_id = placement_id[ref]
        old = stored.get((p_id, day))
        if old is None:
            inserts.append({"placement_id": p_id, "date": day, "status": status, "hours": hours,
                            "created_at": now, "updated_at": now})
        elif old[1] != status or old[2] != hours:
            updates.append({"id": old[0], "status": status, "hours": hours, "updated_at": now})
        else:
            continue
        summary.attendance_changes.append((p_id, day, None if old is None else old[1:], (status, hours)))
    for chunk in _in_chunks(inserts):
        session.execute(insert(Attendance.__table__), chunk)
    for chunk in _in_chunks(updates):
        session.execute(update(Attendance), chunk)
    summary.created["attendance"] = len(inserts)
    summary.updated["attendance"] = len(updates)
