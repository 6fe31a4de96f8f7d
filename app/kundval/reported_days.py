"""Which days of each month a placement has attendance for, kept (ReportedDays).

The provider's grid filters "placements with a weekday up to today that has nothing reported".
Asked of the attendance rows, that is one look-up per weekday per placement on every view (12 275
at 663 placements, 43 000 at 2 154); asked of a kept bit mask per placement and month, it is a bit
test on one row. The masks are kept like the case worker's list (casefacts.py):

- **on change**, in the same transaction: a session that flushed attendance rows rewrites the
  masks of those placements and months before it commits;
- **after bulk writes** that go round the ORM (the import's COPY), every mask of the months
  written is rewritten.

A mask is worked out from the rows themselves (`_rewrite`), never adjusted bit by bit, so a mask
is always what the rows say; `tests/kundval/test_reported_days.py` holds them equal.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import chain
from typing import Any

from sqlalchemy import Integer, cast, delete, extract, func, insert, literal, select
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.common.kept_on_change import keep_on_change
from app.common.periods import month_bounds, period_of
from app.kundval.models import Attendance, ReportedDays

_PENDING = "reported_days_pending"
MAX_IDS = 50  # more placements than a page in one month: that month's masks are rewritten whole


def day_bit(day_of_month: int) -> int:
    """The bit of day `day_of_month` (1–31) in a mask."""
    return 1 << (day_of_month - 1)


def rewrite_periods(session: Session, periods: Iterable[str]) -> None:
    """Every placement's mask of each period anew (after a bulk write round the ORM); what this
    session changed through the ORM in other months is refreshed as on a commit."""
    refresh_pending(session)
    for period in sorted(set(periods)):
        _rewrite(session, period, None)


def _rewrite(session: Session, period: str, placement_ids: set[int] | None) -> None:
    """The masks of `period` (for `placement_ids`, or all) from the attendance rows: each row's
    day is a distinct power of two (one row per placement and date), so their sum is the mask."""
    first, last = month_bounds(period)
    gone = delete(ReportedDays).where(ReportedDays.period == period)
    rows = (select(Attendance.placement_id, literal(period),
                   func.sum(literal(1).op("<<")(cast(extract("day", Attendance.date), Integer) - 1)))
            .where(Attendance.date >= first, Attendance.date <= last).group_by(Attendance.placement_id))
    if placement_ids is not None:
        gone = gone.where(ReportedDays.placement_id.in_(sorted(placement_ids)))
        rows = rows.where(Attendance.placement_id.in_(sorted(placement_ids)))
    session.execute(gone)
    session.execute(insert(ReportedDays).from_select(["placement_id", "period", "days"], rows))


# -- on change -------------------------------------------------------------------------------------

def _note_changes(session: OrmSession, _flush_context: Any) -> None:
    """After a flush: note the placements and months of the attendance rows flushed."""
    pending = session.info.setdefault(_PENDING, defaultdict(set))
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Attendance) and obj.date is not None:
            pending[period_of(obj.date)].add(obj.placement_id)


def refresh_pending(session: Session) -> None:
    """Rewrite the masks of what this session has changed since its last refresh."""
    session.flush()
    pending = session.info.pop(_PENDING, None)
    for period, placement_ids in sorted((pending or {}).items()):
        _rewrite(session, period, placement_ids if len(placement_ids) <= MAX_IDS else None)


def watch() -> None:
    """Keep the masks on change in every session (called once from create_app())."""
    keep_on_change(_PENDING, _note_changes, refresh_pending)
