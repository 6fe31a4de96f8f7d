"""One page of a list, cut in the database: OFFSET/LIMIT of the list's own ORDER BY.

A page asks for one row more than it shows, so "is there a next page" needs no count over the
whole table (an audit or access log grows without end, and a count of it costs a full scan).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
