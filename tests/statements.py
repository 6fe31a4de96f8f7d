"""The SQL statements a block of code sends, for tests that count queries or look for one."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event


@contextlib.contextmanager
def statements(bind) -> Iterator[list[str]]:
    """The statements sent through `bind` (a session or an engine) while the block runs."""
    engine = bind.get_bind() if hasattr(bind, "get_bind") else bind
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
