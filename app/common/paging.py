"""One page of a list, cut in the database: OFFSET/LIMIT of the list's own ORDER BY.

A page asks for one row more than it shows, so "is there a next page" needs no count over the
whole table (an audit or access log grows without end, and a count of it costs a full scan).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

PER_PAGE = 50
MAX_PAGE = 100_000


@dataclass
class Page:
    rows: list[Any]
    number: int
    has_next: bool
    per_page: int = PER_PAGE

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_number(raw: Any) -> int:
    """The page asked for (`sida`), 1 for anything that is not a page number."""
    try:
        number = int(str(raw or "1").strip())
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def fetch(session: Any, stmt: Any, number: int, per_page: int = PER_PAGE) -> Page:
    """Rows of page `number` of the ordered statement `stmt`."""
    rows = list(session.exec(stmt.offset((number - 1) * per_page).limit(per_page + 1)).all())
    return Page(rows[:per_page], number, len(rows) > per_page, per_page)


@dataclass
class CountedPage:
    rows: list[Any]
    number: int  # the page shown: the last one when a later page was asked for
    total: int  # rows of the whole list
    pages: int


def fetch_counted(session: Any, stmt: Any, number: int, per_page: int) -> CountedPage:
    """Page `number` of the ordered select `stmt` and the list's total, in one statement.

    For lists whose page shows "25 av 2 154": the total is a window count on the page's own
    rows, so the list's joins and filters are worked out once, not once for a count and again
    for the page. Only a page past the end (a stale link) costs a separate count, and then shows
    the last page."""
    number = max(1, number)
    counted = stmt.add_columns(func.count().over())
    while True:
        found = session.execute(counted.offset((number - 1) * per_page).limit(per_page)).all()
        if found or number == 1:
            total = int(found[0][-1]) if found else 0
            return CountedPage([tuple(row)[:-1] for row in found], number, total,
                               max(1, -(-total // per_page)))
        total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        number = max(1, -(-int(total) // per_page))
