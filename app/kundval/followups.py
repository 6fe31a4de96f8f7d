"""Follow-ups: is the client in work or studies? Asked at the bonus rule's sustain_days after a verified
result (`sustain`) and 90 days after the placement ended (`after_end`, Lund's figure).

The case worker answers yes (work or studies), no, or not reached; what is due and unanswered is unknown.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, case, func, literal, or_, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from app.common import paging
from app.common.audit import record_change
from app.common.errors import ValidationError
from app.common.hooks import Hook
from app.common.sql_dates import days_after
from app.kundval.models import (
    FOLLOWUP_ANSWERS,
    FOLLOWUP_KINDS,
    Client,
    FollowUp,
    Outcome,
    Placement,
    Referral,
)
from app.offerings.models import Offering
from app.providers.models import Provider

AFTER_END_DAYS = 90
DEFAULT_SUSTAIN_DAYS = 90


# The bonus rules are settlement's, an area above kundval, and say how long a result must last:
# (session) -> {service type: days}, provided in create_app() (settlement/bonus_rules.py).
sustain_days_by_service_type: Hook[Callable[[Session], dict[str, int]]] = Hook(
    "kundval.followups.sustain_days_by_service_type")


# (session, placements) -> {placement id: the sustain_days of the bonus rule that applies to it, as the
# settlement engine chooses it; 90 without one}: the pay-data hint asks about the day the sustainment
# bonus pays for (settlement/bonus_rules.py provides it).
sustain_days_of: Hook[Callable[[Session, list[Placement]], dict[int, int]]] = Hook(
    "kundval.followups.sustain_days_of")


# An alias made once: a new aliased() per call cost about a millisecond a page (SQLAlchemy adapts
# every column of the entity), and the alias keeps the subquery from correlating with an Offering
# joined outside it.
_OFFERING = aliased(Offering, name="service_type_offering")


def _of_service_type(service_type: str):
    """Placement's offering is of the service type (a subquery of its own: no correlation needed)."""
    return Placement.offering_id.in_(select(_OFFERING.id).where(_OFFERING.service_type == service_type))


def _not_answered(kind: str):
    return ~select(FollowUp.id).where(FollowUp.placement_id == Placement.id, FollowUp.kind == kind).exists()


def _sustain_outcome(today: date, sustain_days: dict[str, int], service_type=None):
    """Conditions on Outcome (of Placement) whose sustain follow-up is due by today. A caller that
    joins the placement's offering gives its `service_type` column; otherwise each type is a
    subquery (which had the database read every placement to test them)."""
    def of_type(name: str):
        return _of_service_type(name) if service_type is None else service_type == name

    return and_(Outcome.placement_id == Placement.id, Outcome.verified_on.is_not(None),
                Outcome.rejected_on.is_(None), Outcome.sustained_verified_on.is_(None),
                or_(*[and_(of_type(st), Outcome.result_date <= today - timedelta(days=d))
                      for st, d in sustain_days.items()]))


def _after_end(today: date):
    return and_(Placement.ended_on.is_not(None), Placement.ended_on <= today - timedelta(days=AFTER_END_DAYS),
                or_(Placement.end_reason.is_(None), Placement.end_reason != "switched"))


def due_condition(today: date, sustain_days: dict[str, int]):
    """SQL condition on Placement: a follow-up is due today and not answered."""
    return or_(and_(select(Outcome.id).where(_sustain_outcome(today, sustain_days)).exists(),
                    _not_answered("sustain")),
               and_(_after_end(today), _not_answered("after_end")))


@dataclass
class DueRow:
    kind: str
    placement: Placement
    client: Client
    provider: Provider
    due_on: date
    outcome: Outcome | None = None


def record(session: Session, placement: Placement, *, kind: str, answer: str, actor_id: int | None,
           today: date) -> FollowUp:
    """The case worker's answer; a yes at the sustain follow-up also verifies the result as lasting."""
    if kind not in FOLLOWUP_KINDS:
        raise ValidationError("kind", _l("okänd uppföljning"))
    if answer not in FOLLOWUP_ANSWERS:
        raise ValidationError("answer", _l("välj ja, nej eller inte nådd"))
    if session.exec(select(FollowUp.id).where(FollowUp.placement_id == placement.id,
                                              FollowUp.kind == kind)).first():
        raise ValidationError("answer", _l("uppföljningen är redan gjord"))
    days = sustain_days_by_service_type(session)
    outcome = None
    if kind == "sustain":
        outcome = session.exec(select(Outcome).where(_sustain_outcome(today, days), Outcome.placement_id ==
                                                     placement.id).order_by(Outcome.result_date)).first()
        if outcome is None:
            raise ValidationError("answer", _l("uppföljningen är inte aktuell än"))
        service_type = session.get(Offering, placement.offering_id).service_type
        due_on = outcome.result_date + timedelta(days=days[service_type])
    else:
        if placement.ended_on is None or placement.ended_on + timedelta(days=AFTER_END_DAYS) > today:
            raise ValidationError("answer", _l("uppföljningen är inte aktuell än"))
        due_on = placement.ended_on + timedelta(days=AFTER_END_DAYS)
    row = FollowUp(placement_id=placement.id, kind=kind, due_on=due_on, answer=answer, recorded_on=today,
                   recorded_by_id=actor_id)
    session.add(row)
    if outcome is not None and answer == "yes":
        outcome.sustained_verified_on = today
        session.add(outcome)
    session.flush()
    record_change(session, actor_id, "follow_up", "placement", placement.id,
                  after={"kind": kind, "answer": answer, "due_on": due_on.isoformat()})
    return row


def figures(session: Session, today: date) -> dict[str, dict[str, int]]:
    """Per kind: how many answered yes, no, not reached, and how many are due but unknown."""
    days = sustain_days_by_service_type(session)
    out = {kind: {answer: 0 for answer in FOLLOWUP_ANSWERS} for kind in FOLLOWUP_KINDS}
    for kind, answer, n in session.exec(select(FollowUp.kind, FollowUp.answer, func.count())
                                        .group_by(FollowUp.kind, FollowUp.answer)).all():
        out.setdefault(kind, {})[answer] = n
    out["sustain"]["unknown"] = session.exec(select(func.count(func.distinct(Placement.id))).select_from(Outcome)
                                             .join(Placement, Placement.id == Outcome.placement_id)
                                             .where(_sustain_outcome(today, days),
                                                    _not_answered("sustain"))).one()
    out["after_end"]["unknown"] = session.exec(select(func.count()).select_from(Placement).where(
        _after_end(today), _not_answered("after_end"))).one()
    return out


def due_page(session: Session, today: date, case_worker_id: int | None, number: int,
             per_page: int = paging.PER_PAGE) -> paging.Page:
    """One page of the follow-ups due and unanswered, oldest due first, ordered and cut in SQL.

    Both kinds are one list (a union), each row a placement, its kind, the outcome (sustain) and
    the day it fell due; only the page's rows are then read whole. A placement with several
    results due is followed up once, for its first."""
    days = sustain_days_by_service_type(session)

    def scoped(stmt):  # everyone's list needs no decision or client to find its rows
        if case_worker_id is None:
            return stmt
        return (stmt.join(Referral, Referral.id == Placement.referral_id).join(Client, Client.id == Referral.client_id)
                .where(Client.case_worker_id == case_worker_id))

    first = func.row_number().over(partition_by=Outcome.placement_id, order_by=(Outcome.result_date, Outcome.id))
    sustain_due = case(*[(Offering.service_type == st, days_after(Outcome.result_date, d)) for st, d in days.items()],
                       else_=Outcome.result_date)
    sustain = scoped(select(Placement.id.label("pid"), literal("sustain").label("kind"), Outcome.id.label("oid"),
                            sustain_due.label("due"), first.label("nth")).select_from(Outcome)
                     .join(Placement, Placement.id == Outcome.placement_id)
                     .join(Offering, Offering.id == Placement.offering_id)
                     ).where(_sustain_outcome(today, days, Offering.service_type), _not_answered("sustain")
                             ).subquery("sustain")
    after_end = scoped(select(Placement.id.label("pid"), literal("after_end").label("kind"),
                              literal(None, Integer).label("oid"),
                              days_after(Placement.ended_on, AFTER_END_DAYS).label("due"))
                       ).where(_after_end(today), _not_answered("after_end"))
    listed = union_all(select(sustain.c.pid, sustain.c.kind, sustain.c.oid, sustain.c.due).where(sustain.c.nth == 1),
                       after_end).subquery("due")
    page = paging.fetch(session, select(listed.c.pid, listed.c.kind, listed.c.oid, listed.c.due)
                        .order_by(listed.c.due, listed.c.pid, listed.c.kind), number, per_page)
    page.rows = _due_rows(session, page.rows)
    return page


def _due_rows(session: Session, found: list) -> list[DueRow]:
    """The page's rows whole: placement, client, provider and outcome (at most a page of ids)."""
    if not found:
        return []
    placement_ids = sorted({pid for pid, *_ in found})
    whole = {p.id: (p, c, pr) for p, c, pr in session.exec(
        select(Placement, Client, Provider).join(Referral, Referral.id == Placement.referral_id)
        .join(Client, Client.id == Referral.client_id).join(Offering, Offering.id == Placement.offering_id)
        .join(Provider, Provider.id == Offering.provider_id).where(Placement.id.in_(placement_ids))).all()}
    outcome_ids = sorted({oid for _p, _k, oid, _d in found if oid is not None})
    outcomes = ({o.id: o for o in session.exec(select(Outcome).where(Outcome.id.in_(outcome_ids))).all()}
                if outcome_ids else {})
    rows = []
    for pid, kind, oid, due_on in found:
        placement, client, provider = whole[pid]
        due_on = date.fromisoformat(due_on) if isinstance(due_on, str) else due_on
        rows.append(DueRow(kind, placement, client, provider, due_on, outcomes.get(oid) if oid else None))
    return rows
