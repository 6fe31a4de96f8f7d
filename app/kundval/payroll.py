"""Pay from the employer declarations (exchange.md, "Payroll file"): import, and the evidence it gives
for the results providers report.

The import reads the whole file first and stores nothing unless every row of a client is good
(all or nothing). Rows of people who are not clients are counted and dropped: only their
personnummer's keyed hash is computed, to see that they are not clients.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, update
from sqlmodel import Session, select

from app.common.audit import record_change
from app.common.base import utcnow
from app.common.errors import ValidationError
from app.common.identifiers import normalize_org_nr, normalize_personal_id
from app.common.money import money
from app.common.personal_data import cipher
from app.kundval import followups
from app.kundval.models import Client, Outcome, PayrollEntry, Placement
from app.kundval.results import OutcomeRow, outcome_rows
from app.providers.models import Provider

HEADER = ("personnummer", "arbetsgivare_orgnr", "period", "kontant_bruttolon")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Kronor: digits, or groups of three separated by a space; then optionally a decimal comma or point.
AMOUNT = re.compile(r"^(\d+|\d{1,3}(?: \d{3})+)(?:[.,](\d{1,2}))?$")
SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})
# Months after the result month within which pay must appear ("lön finns"), and after which a
# result without pay is listed for the case worker.
PAY_WINDOW_MONTHS = 1
NO_PAY_LIST_MONTHS = 2


@dataclass
class PayrollSummary:
    used: int = 0  # rows of clients
    dropped: int = 0  # rows of people who are not clients
    added: int = 0
    changed: int = 0


def _error(line: int, column: str, message: str) -> ValidationError:
    return ValidationError(f"rad {line}, {column}", message)


def _period(value: str, line: int, current: str) -> str:
    value = value.strip()
    if not PERIOD.match(value):
        raise _error(line, "period", _l("ange månaden som ÅÅÅÅ-MM"))
    if value > current:
        raise _error(line, "period", _l("månaden ligger efter innevarande månad (%(current)s)", current=current))
    return value


def _amount(value: str, line: int) -> str:
    text = value.translate(SPACES).strip()
    found = AMOUNT.match(text)
    if not found:
        raise _error(line, "kontant_bruttolon", _l("ange kronor, t.ex. 21 300,50"))
    whole, cents = found.group(1).replace(" ", ""), found.group(2) or "0"
    return str(money(f"{whole}.{cents}"))


def _personal_id(value: str, line: int) -> str:
    digits = value.strip().replace("-", "")
    if len(digits) != 12 or not digits.isdigit():
        raise _error(line, "personnummer", _l("ange 12 siffror, med eller utan bindestreck"))
    try:
        return normalize_personal_id(digits)
    except ValidationError:
        raise _error(line, "personnummer", _l("ogiltigt personnummer eller samordningsnummer")) from None


def _employer(value: str, line: int) -> tuple[str, str]:
    """(the id the key is made from, the organisation number to show or "" for a sole trader)."""
    text = value.strip()
    try:
        org_nr = normalize_org_nr(text)
        return org_nr, org_nr
    except ValidationError:
        pass
    digits = text.replace("-", "")
    try:
        if len(digits) in (10, 12) and digits.isdigit():
            return normalize_personal_id(digits), ""
    except ValidationError:
        pass
    raise _error(line, "arbetsgivare_orgnr", _l("ogiltigt organisationsnummer eller personnummer"))


def parse(lines: Iterable[str], client_ids: dict[str, int], today: date
          ) -> tuple[list[dict], PayrollSummary]:
    """The clients' rows as PayrollEntry values; raises ValidationError naming line and column."""
    current = f"{today.year:04d}-{today.month:02d}"
    reader = csv.reader(lines, delimiter=";")
    header = next(reader, None)
    if header is None or tuple(h.strip().lstrip("\ufeff") for h in header) != HEADER:
        raise ValidationError("rad 1", _l("rubrikraden ska vara %(header)s", header=";".join(HEADER)))
    summary = PayrollSummary()
    ids: dict[str, str] = {}  # raw personnummer -> hash (people recur once per employer and month)
    employers: dict[str, tuple[str, str]] = {}
    keys: dict[str, str] = {}
    seen: dict[tuple, int] = {}
    rows = []
    lookup = cipher().lookup_hash
    for line, row in enumerate(reader, start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(HEADER):
            raise ValidationError(f"rad {line}", _l("raden ska ha %(wanted)s kolumner, den har %(found)s",
                                                         wanted=len(HEADER), found=len(row)))
        raw = row[0]
        hashed = ids.get(raw)
        if hashed is None:
            hashed = ids[raw] = lookup(_personal_id(raw, line))
        client_id = client_ids.get(hashed)
        if client_id is None:
            summary.dropped += 1
            continue
        summary.used += 1
        employer = employers.get(row[1])
        if employer is None:
            employer = employers[row[1]] = _employer(row[1], line)
        key = keys.get(employer[0])
        if key is None:
            key = keys[employer[0]] = lookup(employer[0])
        period = _period(row[2], line, current)
        amount = _amount(row[3], line)
        first = seen.setdefault((client_id, key, period), line)
        if first != line:
            raise _error(line, "period", _l("samma person, arbetsgivare och månad som på rad %(line)s", line=first))
        rows.append({"client_id": client_id, "employer_key": key, "employer_org_nr": employer[1],
                     "period": period, "gross_pay": amount})
    return rows, summary


def import_payroll(session: Session, lines: Iterable[str], today: date, actor_id: int | None = None
                   ) -> PayrollSummary:
    """Check every row, then add new months and correct changed amounts; the same file again adds nothing."""
    client_ids = dict(session.execute(select(Client.personal_id_hash, Client.id)).all())
    rows, summary = parse(lines, client_ids, today)
    periods = sorted({r["period"] for r in rows})
    existing = {}
    if periods:
        for entry_id, client_id, key, period, amount in session.execute(
                select(PayrollEntry.id, PayrollEntry.client_id, PayrollEntry.employer_key,
                       PayrollEntry.period, PayrollEntry.gross_pay)
                .where(PayrollEntry.period.in_(periods))):
            existing[client_id, key, period] = (entry_id, str(money(amount)))
    new, changed = [], []
    for row in rows:
        found = existing.get((row["client_id"], row["employer_key"], row["period"]))
        if found is None:
            new.append(row)
        elif found[1] != row["gross_pay"]:
            changed.append({"id": found[0], "gross_pay": row["gross_pay"]})
    if new:
        now = utcnow()  # the models' timestamp defaults are not applied by a bulk insert
        session.execute(insert(PayrollEntry), [{**row, "created_at": now, "updated_at": now} for row in new])
    if changed:
        session.execute(update(PayrollEntry), changed)
    summary.added, summary.changed = len(new), len(changed)
    record_change(session, actor_id, "import", "payroll", None,
                  after={"used": summary.used, "dropped": summary.dropped, "added": summary.added,
                         "changed": summary.changed})
    return summary


# -- evidence ------------------------------------------------------------------------------------

def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(period: str, n: int) -> str:
    index = int(period[:4]) * 12 + int(period[5:]) - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


@dataclass
class PayEvidence:
    """What the pay data says about an employment result."""

    has_pay: bool  # pay in the month of result_date or the next ("lön finns")
    known: bool = True  # False while the pay data does not yet reach the month after result_date
    pay_months: list[str] = field(default_factory=list)  # months with pay from result month on
    employers: int = 0
    sustained: bool = False  # pay in every month through result_date + sustain_days
    listed: bool = False  # no pay two months after result_date: for the case worker's list
    sustain_until: date | None = None  # result_date + sustain_days

    @property
    def first_days(self) -> list[date]:
        """The months with pay as their first days, for formatting as month names."""
        return [date(int(m[:4]), int(m[5:]), 1) for m in self.pay_months]


def evidence_of(result_date: date, pay: dict[str, set[str]], covered_through: str, sustain_days: int
                ) -> PayEvidence:
    """pay: month -> employer keys with pay that month, for one client; covered_through: the last
    month the imported pay data has (without it, no pay is not evidence of no job)."""
    start = month_of(result_date)
    window = months_between(start, add_months(start, PAY_WINDOW_MONTHS))
    months = sorted(m for m in pay if m >= start)
    has_pay = any(m in pay for m in window)
    sustain_until = result_date + timedelta(days=sustain_days)
    sustain_end = month_of(sustain_until)
    sustained = has_pay and all(m in pay for m in months_between(add_months(start, 1), sustain_end))
    listed = not months and covered_through >= add_months(start, NO_PAY_LIST_MONTHS)
    return PayEvidence(has_pay=has_pay, known=has_pay or covered_through >= window[-1], pay_months=months,
                       employers=len({k for m in window for k in pay.get(m, ())}),
                       sustained=sustained, listed=listed, sustain_until=sustain_until)


def covered_through(session: Session) -> str:
    """The last month in the imported pay data; "" when none is imported."""
    return session.execute(select(func.max(PayrollEntry.period))).scalar() or ""


def pay_by_client(session: Session, client_ids: Iterable[int]) -> dict[int, dict[str, set[str]]]:
    """client -> month -> employer keys, in one query."""
    ids = sorted(set(client_ids))
    out: dict[int, dict[str, set[str]]] = {}
    if not ids:
        return out
    for client_id, period, key in session.execute(
            select(PayrollEntry.client_id, PayrollEntry.period, PayrollEntry.employer_key)
            .where(PayrollEntry.client_id.in_(ids), PayrollEntry.gross_pay > 0)):
        out.setdefault(client_id, {}).setdefault(period, set()).add(key)
    return out


def evidence_for(session: Session, rows) -> dict[int, PayEvidence]:
    """outcome id -> evidence, for employment results among `rows` (results.OutcomeRow); nothing
    until pay data has been imported. The sustainment hint looks as far as the sustain_days of the
    bonus rule that applies to each placement."""
    covered = covered_through(session)
    employment = [r for r in rows if r.outcome.kind == "employment"] if covered else []
    pay = pay_by_client(session, [r.client.id for r in employment])
    sustain_days = followups.sustain_days_of(session, list({r.placement.id: r.placement for r in employment}.values()))
    return {r.outcome.id: evidence_of(r.outcome.result_date, pay.get(r.client.id, {}), covered,
                                      sustain_days[r.placement.id])
            for r in employment}


def without_pay(session: Session, case_worker_id: int | None = None):
    """Employment results, not rejected, whose pay data shows no pay two months after result_date
    (oldest first), and the evidence for them."""
    covered = covered_through(session)
    if not covered:
        return [], {}
    stmt = (select(Outcome, Placement, Client, Provider)
            .where(Outcome.kind == "employment", Outcome.rejected_on.is_(None)))
    rows: list[OutcomeRow] = [r for r in outcome_rows(session, stmt, case_worker_id)
                              if add_months(month_of(r.outcome.result_date), NO_PAY_LIST_MONTHS) <= covered]
    found = evidence_for(session, rows)
    listed = [r for r in rows if found[r.outcome.id].listed]
    return sorted(listed, key=lambda r: (r.outcome.result_date, r.outcome.id)), found
