"""Writing the audit log (changes) and the access log (views of a client's data)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session

from app.common.models import AccessLog, AuditLog


def record_change(session: Session, user_id: int | None, action: str, entity: str,
                  entity_id: int | None, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                  reason: str = "") -> None:
    session.add(AuditLog(user_id=user_id, action=action, entity=entity, entity_id=entity_id,
                         before=before, after=after, reason=reason))


def record_access(session: Session, user_id: int | None, client_id: int | None, page: str) -> None:
    """One view of one client's data (None: a list, see record_list_access)."""
    session.add(AccessLog(user_id=user_id, client_id=client_id, page=page[:200]))


def record_list_access(session: Session, user_id: int | None, client_ids: Iterable[int], page: str) -> None:
    """One view of a list of clients: a single row saying how many (none when the list is empty)."""
    ids = set(client_ids)
    if not ids:
        return
    session.add(AccessLog(user_id=user_id, client_id=next(iter(ids)) if len(ids) == 1 else None,
                          client_count=len(ids), page=page[:200]))
