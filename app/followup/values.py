"""Storing one figure or amount row: shared by the targets, the external figures and the budget frames."""
from __future__ import annotations

from sqlmodel import Session


def put_value(session: Session, row, value, attr: str, create) -> None:
    """Store `value` in `row` (made by `create()` when missing); None removes the row."""
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(create())
    else:
        setattr(row, attr, value)
