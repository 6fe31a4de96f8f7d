"""Tables kept from other rows (the case worker's list, the grid's reported days): the session
events that keep them in the same transaction as the change, registered in one place."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession


def keep_on_change(pending: str, note: Callable[[OrmSession, Any], None],
                   refresh: Callable[[Any], None]) -> None:
    """In every session: after a flush `note` what the flushed objects change (under
    `session.info[pending]`), before a commit `refresh` what was noted (it flushes first, so what
    is still unflushed is noted too), and after a rollback forget the notes. Once per `note`."""
    if event.contains(OrmSession, "after_flush", note):
        return

    def before_commit(session: OrmSession) -> None:
        if session.info.get(pending) or session.new or session.dirty or session.deleted:
            refresh(session)

    def forget(session: OrmSession, _transaction: Any = None) -> None:
        session.info.pop(pending, None)

    event.listen(OrmSession, "after_flush", note)
    event.listen(OrmSession, "before_commit", before_commit)
    event.listen(OrmSession, "after_rollback", forget)
