"""Writing the audit log (changes) and the access log (views of a client's data)."""
from __future__ import annotations

from sqlmodel import Session

from app.common.models import AccessLog, AuditLog


def record_change(session: Session, user_id: int | None, action: str, entity: str,
                  entity_id: int | None, before: dict | None = None, after: dict | None = None,
                  reason: str = "") -> None:
    session.add(AuditLog(user_id=user_id, action=action, entity=entity, entity_id=entity_id,
                         before=before, after=after, reason=reason))


def record_access(session: Session, user_id: int | None, client_id: int | None, page: str) -> None:
    session.add(AccessLog(user_id=user_id, client_id=client_id, page=page[:200]))
