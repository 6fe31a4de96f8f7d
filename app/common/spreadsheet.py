"""Cells for spreadsheet files: text that a spreadsheet would run as a formula is written as text."""
from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number as Kundval writes them: digits (grouped by no-break spaces), decimal comma or point.
_NUMBER = re.compile(r"[+-]?\d[\d\u00a0\u202f]*([.,]\d+)?(e[+-]?\d+)?%?", re.IGNORECASE)


def safe_cell(value: object) -> object:
    """`=HYPERLINK(...)` becomes `'=HYPERLINK(...)`; numbers such as `-12,50` and other values stay."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value
