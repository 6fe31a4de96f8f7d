"""Reading stored amounts back (app.common.money.from_db, as_text)."""
from __future__ import annotations

from decimal import Decimal

from app.common.money import as_text, from_db


def test_stored_amounts_read_back_exact_on_both_databases():
    assert from_db(Decimal("120.50")) == Decimal("120.50")  # PostgreSQL's Numeric
    assert str(from_db(120.5)) == "120.50"  # SQLite's float
    assert str(from_db(0.1 + 0.2)) == "0.30"
    assert as_text(3840) == "3840.00" and as_text(Decimal("7.5")) == "7.50"
