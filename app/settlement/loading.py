"""Loading the rules' inputs from the database in bulk: eight queries, whatever the size.

The largest read is the attendance of the period, with counted days merged by the database
where no rule looks at them one by one (fast.merge_counted() in Python; counted() below in SQL,
one SQLAlchemy expression for both dialects). Records are read through the driver's own
cursor: for a hundred thousand rows SQLAlchemy's per-row work costs more than the query.
"""
from __future__ import annotations

import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, func, literal, not_, or_, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, CompoundSelect, Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from app.common.money import from_db, money
from app.kundval.models import Attendance, Client, Outcome, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider
from app.settlement import fast, rules
from app.settlement.models import BonusRule


@dataclass
class Loaded:
    """The rules' inputs plus the maps back to database ids."""

    inputs: rules.Inputs
    provider_ids: dict[str, int]  # provider ref -> id
    placement_ids: dict[str, int]  # placement ref -> id
    placement_refs: dict[int, str] = field(default_factory=dict)


def load_inputs(session: Session, first: date, last: date, merged: bool = True,
                providers: set[int] | None = None) -> Loaded:
    """Everything the rules need for periods whose attendance lies in first..last.

    Attendance is read for that range only, except for package placements, whose earlier rows
    decide the month of the start instalment. Counted days are merged by the database as
    fast.merge_counted() does (`merged=False` gives every row). With `providers` (ids), only
    their placements and those sharing a decision with them are read, so running one provider
    costs what that provider's data costs. Eight queries, whatever the size.
    """
    with fast.collection_paused():  # millions of new objects, no cycles among them
        return _load_inputs(session, first, last, merged, providers)


def _related_referrals(providers: set[int]) -> Select[tuple[int]]:
    """The decisions under which these providers have placements (a subquery)."""
    return (select(col(Placement.referral_id)).join(Offering, col(Offering.id) == col(Placement.offering_id))
            .where(col(Offering.provider_id).in_(sorted(providers))))


def _load_inputs(session: Session, first: date, last: date, merged: bool,
                 providers: set[int] | None) -> Loaded:
    def scoped(stmt: Select[Any], referral_id: Any) -> Select[Any]:
        return stmt if providers is None else stmt.where(referral_id.in_(_related_referrals(providers)))

    provider_refs = typing.cast(dict[int, str], dict(session.execute(select(col(Provider.id), col(Provider.ref))).tuples().all()))
    offerings: dict[str, rules.Offering] = {}
    offering_refs: dict[int, str] = {}
    for o_id, ref, provider_id, service_type, rate_unit, rate, vat_rate, start_share, level_rates in (
        session.execute(select(col(Offering.id), col(Offering.ref), col(Offering.provider_id), col(Offering.service_type),
                               col(Offering.rate_unit), col(Offering.rate), col(Offering.vat_rate), col(Offering.start_share),
                               col(Offering.level_rates)))
    ):
        offering_refs[o_id] = ref
        offerings[ref] = rules.Offering(ref, provider_refs[provider_id], service_type, rate_unit,
                                        from_db(rate), vat_rate, start_share, level_rate_terms(level_rates))

    # A row per decision, client and placement: read through the driver (see driver_rows).
    day = _Dates()
    referrals: dict[str, rules.Referral] = {}
    referral_refs: dict[int, str] = {}
    referral_client: dict[int, int] = {}
    for r_id, ref, client_id, valid_from, valid_to, cap, level in driver_rows(session, scoped(
        select(col(Referral.id), col(Referral.ref), col(Referral.client_id), col(Referral.valid_from), col(Referral.valid_to),
               col(Referral.max_hours_per_week), col(Referral.level)), col(Referral.id))
    ):
        referral_refs[r_id] = ref
        referral_client[r_id] = client_id
        referrals[ref] = rules.Referral(ref, day(valid_from), day(valid_to), None if cap is None else from_db(cap),
                                        level or None)

    clients = {c_id: (day(birth), bool(newly)) for c_id, birth, newly in driver_rows(
        session, select(col(Client.id), col(Client.birth_date), col(Client.newly_arrived)).where(
            col(Client.id).in_(scoped(select(col(Referral.client_id)), col(Referral.id)))))}

    placements: list[rules.Placement] = []
    placement_refs: dict[int, str] = {}
    for p_id, ref, referral_id, offering_id, start, ended_on, end_reason in driver_rows(session, scoped(
        select(col(Placement.id), col(Placement.ref), col(Placement.referral_id), col(Placement.offering_id),
               col(Placement.start_date), col(Placement.ended_on), col(Placement.end_reason)), col(Placement.referral_id))
    ):
        placement_refs[p_id] = ref
        birth, newly = clients[referral_client[referral_id]]
        placements.append(rules.Placement(ref, referral_refs[referral_id], offering_refs[offering_id],
                                          day(start), day(ended_on), end_reason, birth, newly))

    attendance = _load_attendance(session, placement_refs, first, last, merged, providers)

    outcomes = [
        rules.Outcome(ref, placement_refs[p_id], kind, result_date, verified_on, sustained)
        for ref, p_id, kind, result_date, verified_on, sustained in session.execute(
            select(col(Outcome.ref), col(Outcome.placement_id), col(Outcome.kind), col(Outcome.result_date),
                   col(Outcome.verified_on), col(Outcome.sustained_verified_on))
            .where(col(Outcome.rejected_on).is_(None),
                   col(Outcome.placement_id).in_(scoped(select(col(Placement.id)), col(Placement.referral_id)))))
    ]
    bonus_rules = [bonus_rule_terms(rule) for rule in session.execute(select(BonusRule)).scalars()]

    inputs = rules.Inputs(offerings, referrals, placements, attendance, outcomes, bonus_rules)
    return Loaded(inputs, {ref: pid for pid, ref in provider_refs.items()},
                  {ref: pid for pid, ref in placement_refs.items()}, placement_refs)


class _Dates:
    """Dates as the driver gives them (date objects, or ISO text on SQLite), parsed once each."""

    def __init__(self) -> None:
        self.seen: dict[Any, date | None] = {}

    def __call__(self, value: Any) -> Any:  # a date, or None for an empty nullable column
        found = self.seen.get(value)
        if found is None and value is not None:
            found = self.seen[value] = value if isinstance(value, date) else date.fromisoformat(value)
        return found


def driver_rows(session: Session, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of a select as the driver's plain tuples, in the session's transaction.

    For loads of a hundred thousand rows SQLAlchemy's per-row work costs more than the query;
    these statements bind nothing but integers, so they are rendered inline.
    """
    connection = session.connection()
    cursor = _driver_connection(connection).cursor()
    try:
        cursor.execute(_inline_sql(connection, stmt))
        return list(cursor.fetchall())
    finally:
        cursor.close()


# --- Counted days in SQL ---------------------------------------------------------------------


def counted(date_: Any, status: Any, hours: Any, window_start: Any, window_end: Any) -> ColumnElement[bool]:
    """rules.not_counted_reason() is None, in SQL: inside the window, present, hours > 0."""
    return and_(date_ >= window_start, date_ <= window_end, status == "present", hours > 0)


class month_of(FunctionElement[Date]):  # noqa: N801 - read like the SQL function it is
    """The month of a date, as a value to group by."""

    type = Date()  # type: ignore[assignment]  # SQLAlchemy's own idiom for a function's type
    inherit_cache = True


class monday_of(FunctionElement[Date]):  # noqa: N801
    """The Monday of a date's ISO week."""

    type = Date()  # type: ignore[assignment]  # SQLAlchemy's own idiom for a function's type
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element: FunctionElement[Date], compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_postgresql(element: FunctionElement[Date], compiler: SQLCompiler, **kw: Any) -> str:
    return f"date_trunc('month', {compiler.process(element.clauses, **kw)})::date"


@compiles(monday_of, "sqlite")
def _monday_sqlite(element: FunctionElement[Date], compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@compiles(monday_of, "postgresql")
def _monday_postgresql(element: FunctionElement[Date], compiler: SQLCompiler, **kw: Any) -> str:
    return f"date_trunc('week', {compiler.process(element.clauses, **kw)})::date"


# How fast.merge_counted() merges a placement's counted days: 0 keeps every row (hour
# placements under a weekly cap), 1 per month (hour, day), 2 per ISO week, 3 all of them
# (package, whose rows before the period are read too).
MERGE = case(
    (and_(col(Offering.rate_unit) == "hour", col(Referral.max_hours_per_week).is_not(None)), 0),
    (col(Offering.rate_unit).in_(("hour", "day")), 1), (col(Offering.rate_unit) == "week", 2),
    (col(Offering.rate_unit) == "package", 3), else_=0)
WINDOW_START = case((col(Placement.start_date) > col(Referral.valid_from), col(Placement.start_date)),
                    else_=col(Referral.valid_from))
WINDOW_END = case((and_(col(Placement.ended_on).is_not(None), col(Placement.ended_on) < col(Referral.valid_to)),
                   col(Placement.ended_on)), else_=col(Referral.valid_to))


def attendance_query(first: date, last: date, merged: bool, providers: set[int] | None) -> CompoundSelect[Any] | Select[Any]:
    """The rows of first..last (and earlier package rows) as (placement id, date, status,
    hundredths, days), counted days merged as fast.merge_counted() does unless not `merged`."""
    windows = (select(col(Placement.id).label("placement_id"), WINDOW_START.label("window_start"),
                      WINDOW_END.label("window_end"), MERGE.label("merge"))
               .join(Referral, col(Referral.id) == col(Placement.referral_id))
               .join(Offering, col(Offering.id) == col(Placement.offering_id)))
    if providers is not None:
        windows = windows.where(col(Placement.referral_id).in_(_related_referrals(providers)))
    # SQLite reads the windows once; PostgreSQL plans each half in parallel.
    w = (windows.cte("w").prefix_with("MATERIALIZED", dialect="sqlite")
         .prefix_with("NOT MATERIALIZED", dialect="postgresql"))
    a = Attendance.__table__.alias("a")  # type: ignore[attr-defined]  # SQLModel sets __table__
    hundredths = cast(func.round(a.c.hours * 100), Integer)
    in_range = and_(a.c.date <= last, or_(a.c.date >= first, w.c.merge == 3))
    rows = select(a.c.placement_id, a.c.date, a.c.status, hundredths, literal(1)).join(
        w, w.c.placement_id == a.c.placement_id)
    if not merged:
        return rows.where(in_range)
    is_counted = and_(w.c.merge > 0, counted(a.c.date, a.c.status, a.c.hours, w.c.window_start,
                                             w.c.window_end))
    days = (select(a.c.placement_id, func.min(a.c.date), literal("present"), func.sum(hundredths),
                   func.count())
            .join(w, w.c.placement_id == a.c.placement_id).where(in_range, is_counted)
            .group_by(a.c.placement_id, w.c.merge,
                      case((w.c.merge == 1, month_of(a.c.date)), (w.c.merge == 2, monday_of(a.c.date)))))
    return union_all(rows.where(in_range, not_(is_counted)), days)


def _load_attendance(session: Session, placement_refs: dict[int, str], first: date, last: date,
                     merged: bool, providers: set[int] | None) -> list[rules.Attendance]:
    """attendance_query() as records, read through the driver's own cursor in the session's
    transaction (the largest read of a run); dates, hour values and refs parsed once each."""
    day = _Dates()
    hours: dict[int, Decimal] = {}
    make = rules.Attendance
    new = tuple.__new__
    result: list[rules.Attendance] = []
    append = result.append
    connection = session.connection()
    sql = _inline_sql(connection, attendance_query(first, last, merged, providers))
    cursor = _driver_connection(connection).cursor()
    try:
        # Millions of new tuples would otherwise start full collections again and again.
        with fast.collection_paused():
            cursor.execute(sql)
            while rows := cursor.fetchmany(50_000):
                for p_id, when, status, n, days in rows:
                    h = hours.get(n)
                    if h is None:
                        h = hours[n] = (Decimal(n) / 100).quantize(Decimal("0.01"))
                    append(new(make, (placement_refs[p_id], day(when), status, h, days)))
    finally:
        cursor.close()
    return result


def _driver_connection(connection: Connection) -> DBAPIConnection:
    """The driver's own connection under the session's (always there while a session is open)."""
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    return dbapi


def _inline_sql(connection: Connection, stmt: Select[Any] | CompoundSelect[Any]) -> str:
    """A statement as SQL text with its values inline (they are dates, integers and codes)."""
    return str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))


def bonus_rule_terms(rule: BonusRule) -> rules.BonusRule:
    """The rules' record of a stored bonus rule (also used by the bonus simulation)."""
    return rules.BonusRule(
        ref=rule.ref, priority=rule.priority, service_types=tuple(rule.service_types),
        outcome_kinds=tuple(rule.outcome_kinds),
        tiers=tuple(rules.Tier(int(t["max_days"]), Decimal(str(t["amount"]))) for t in rule.tiers),
        min_age=rule.min_age, max_age=rule.max_age, newly_arrived=rule.newly_arrived,
        placements_from=rule.placements_from, placements_to=rule.placements_to,
        grace_days=rule.grace_days, sustain_days=rule.sustain_days,
        sustain_amount=from_db(rule.sustain_amount), levels=tuple(sorted(rule.levels or ())))


def level_rate_terms(level_rates: dict[str, Any] | None) -> dict[str, Decimal]:
    """The rules' level -> rate of an offering's stored level_rates ({"B": "140.00"})."""
    return {level: money(str(rate)) for level, rate in sorted((level_rates or {}).items())}


