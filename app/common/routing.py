"""URL converters shared by every area."""
from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

# Ids are INTEGER columns (32 bits on PostgreSQL): a larger number in a URL is no page of ours.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` with an upper bound, so /jobb/9999999999 is a 404 and not a database error
    (PostgreSQL refuses to compare an integer column with a number out of its range)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
