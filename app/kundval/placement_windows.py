"""Each placement's window, provider and client name, kept in one narrow row (PlacementWindow).

A provider's grid, results form and API list show a page of 25–50 of its placements in name (or
id) order, with a count of all of them. Working out which placements those are joined every
placement of the provider to its decision (for the window) and its client (for the name): 2 154
placements were 4 300 index look-ups on every view. The narrow rows hold what the paging needs, so
a page is one index scan; the page's placements are then read whole by id.

The rows are kept

- **on change**, in the same transaction: a session that flushed a placement, a decision's dates
  or client, a client's name or an offering's provider rewrites those placements' rows before it
  commits (more than MAX_IDS at once: every row);
- after **bulk writes** round the ORM (the import, retention): every row.

A placement's window is its days inside its decision: from the later of its start and the
decision's first day to the earlier of its end (or the decision's last day) and the decision's
last day. `tests/kundval/test_placement_windows.py` holds the rows equal to working them out anew.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, delete, func, insert, inspect, or_, select, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.common.kept_on_change import keep_on_change
from app.kundval.models import Client, Placement, PlacementWindow, Referral
from app.offerings.models import Offering

_PENDING = "kundval.placement_windows.pending"
MAX_IDS = 50  # more placements changed at once (an import, a client with many): every row anew
_LOCK = 7_301_023  # PostgreSQL advisory lock of the rows' writers


def worked_out():
    """(placement id, provider, client name, ref, window from, window to) of every placement."""
    start = case((Placement.start_date > Referral.valid_from, Placement.start_date), else_=Referral.valid_from)
    end = func.coalesce(Placement.ended_on, Referral.valid_to)
    return (select(Placement.id, Offering.provider_id, Client.name, Placement.ref, start,
                   case((end < Referral.valid_to, end), else_=Referral.valid_to))
            .join(Offering, Offering.id == Placement.offering_id)
            .join(Referral, Referral.id == Placement.referral_id)
            .join(Client, Client.id == Referral.client_id))


def meets(first: date, last: date) -> list:
    """SQL conditions: the kept window has days and meets first..last."""
    w = PlacementWindow
    return [w.window_from <= last, w.window_to >= first, w.window_from <= w.window_to]


def rewrite(session: Session, placement_ids: set[int] | None = None) -> None:
    """The rows of `placement_ids` (None: every placement) worked out anew."""
    gone, rows = delete(PlacementWindow), worked_out()
    if placement_ids is not None:
        if not placement_ids:
            return
        ids = sorted(placement_ids)
        gone, rows = gone.where(PlacementWindow.placement_id.in_(ids)), rows.where(Placement.id.in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        # A rewrite of every row waits for the rewrites of a few (and they for it) to their commit,
        # so their row locks are never taken in two orders at once (SQLite has one writer anyway).
        lock = "pg_advisory_xact_lock" if placement_ids is None else "pg_advisory_xact_lock_shared"
        session.execute(text(f"SELECT {lock}(:k)"), {"k": _LOCK})
    session.execute(gone)
    session.execute(insert(PlacementWindow).from_select(
        ["placement_id", "provider_id", "client_name", "ref", "window_from", "window_to"], rows))


# -- on change -------------------------------------------------------------------------------------

def _changed(obj: Any, *names: str) -> bool:
    attrs = inspect(obj).attrs
    return any(getattr(attrs, name).history.has_changes() for name in names)


def _note_changes(session: OrmSession, _flush_context: Any) -> None:
    """After a flush: note what the flushed objects change (a new decision or client has no
    placement yet; a deleted placement's row goes with it, by its foreign key)."""
    pending = session.info.setdefault(_PENDING, {"placement": set(), "referral": set(), "client": set(),
                                                 "offering": set()})
    for obj in session.new:
        if isinstance(obj, Placement):
            pending["placement"].add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Placement):
            pending["placement"].add(obj.id)
        elif isinstance(obj, Referral) and _changed(obj, "valid_from", "valid_to", "client_id"):
            pending["referral"].add(obj.id)
        elif isinstance(obj, Client) and _changed(obj, "name"):
            pending["client"].add(obj.id)
        elif isinstance(obj, Offering) and _changed(obj, "provider_id"):
            pending["offering"].add(obj.id)


def _placements_of(session: Session, pending: dict[str, set[int]]) -> set[int] | None:
    """The placements whose rows the noted changes touch (one query); None when more than MAX_IDS."""
    if any(len(ids) > MAX_IDS for ids in pending.values()):
        return None
    through = []  # the placements of a changed decision, offering or client
    if pending["referral"]:
        through.append(Placement.referral_id.in_(sorted(pending["referral"])))
    if pending["offering"]:
        through.append(Placement.offering_id.in_(sorted(pending["offering"])))
    if pending["client"]:
        through.append(Placement.referral_id.in_(
            select(Referral.id).where(Referral.client_id.in_(sorted(pending["client"])))))
    ids = set(pending["placement"])
    if through:
        ids.update(session.execute(select(Placement.id).where(or_(*through)).limit(MAX_IDS + 1)).scalars())
    return ids if len(ids) <= MAX_IDS else None


def refresh_pending(session: Session) -> None:
    """Rewrite the rows of what this session has changed since its last refresh."""
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending and any(pending.values()):
        rewrite(session, _placements_of(session, pending))


def watch() -> None:
    """Keep the rows on change in every session (called once from create_app())."""
    keep_on_change(_PENDING, _note_changes, refresh_pending)
