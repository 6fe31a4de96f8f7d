"""The notification outbox: queue a message, work out its recipients, send the queue by SMTP.

Every message goes through notify(). The outbox pages and `flask notifications send` are in
views.py beside this file.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from email.message import EmailMessage

from sqlalchemy import event, or_
from sqlmodel import Session, col, select

from app.auth.models import User
from app.common.base import utcnow
from app.common.hooks import Hook
from app.notifications.models import Notification

log = logging.getLogger("kundval.notifications")

# A provider's own contact address is the providers area's, which sits above this one (it sends
# messages): (session, provider id) -> addresses, provided in create_app().
provider_addresses: Hook[Callable[[Session, int], list[str]]] = Hook("notifications.provider_addresses")


KNOWN_KEYS = "notification_keys"  # session.info: key -> already queued, read by preload_keys()


def preload_keys(session: Session, keys: Iterable[str]) -> None:
    """Read in one query which of these keys are already queued, so notify() asks nothing more for
    them: a job that tells many people (the no-choice job) then costs the same statements for 2
    clients or 2 000. The knowledge is forgotten when the transaction ends."""
    wanted = {key[:120] for key in keys if key}
    if not wanted:
        return
    found = set(session.exec(select(Notification.key).where(col(Notification.key).in_(wanted))).all())
    session.info.setdefault(KNOWN_KEYS, {}).update({key: key in found for key in wanted})


def _already_queued(session: Session, key: str) -> bool:
    known = session.info.get(KNOWN_KEYS, {})
    if key in known:
        return bool(known[key])
    return session.exec(select(Notification.id).where(Notification.key == key)).first() is not None


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_known_keys(session: Session) -> None:
    session.info.pop(KNOWN_KEYS, None)


def notify(session: Session, *, subject: str, body: str, provider_id: int | None = None,
           user_id: int | None = None, role: str = "", email: str = "", key: str = ""
           ) -> Notification | None:
    """Queue a message; with a key, a message already queued under that key is not repeated."""
    key = key[:120]
    if key and _already_queued(session, key):
        return None
    note = Notification(subject=subject[:200], body=body, provider_id=provider_id, user_id=user_id,
                        role=role if role else ("provider" if provider_id else ""),
                        email=email, key=key)
    session.add(note)
    if key and KNOWN_KEYS in session.info:
        session.info[KNOWN_KEYS][key] = True
    return note


def recipients(session: Session, note: Notification) -> list[str]:
    """The e-mail addresses a message goes to: its own, its user's, its provider's users, its role's."""
    found: list[str] = []
    if note.email:
        found.append(note.email)
    if note.user_id:
        user = session.get(User, note.user_id)
        if user is not None and user.active:
            found.append(user.email)
    if note.provider_id:
        found += provider_addresses(session, note.provider_id)
        found += session.exec(select(User.email).where(User.provider_id == note.provider_id,
                                                       User.active.is_(True))).all()
    elif note.role and not note.user_id:
        found += session.exec(select(User.email).where(User.role == note.role,
                                                       User.active.is_(True))).all()
    return sorted(set(found))


def send_pending(session: Session, config, limit: int = 500) -> int:
    """E-mail unsent messages when MAIL_SERVER is set; the caller commits. Returns the number sent."""
    server = config.get("MAIL_SERVER")
    if not server:
        return 0
    pending = session.exec(select(Notification).where(Notification.sent_at.is_(None))
                           .order_by(Notification.id).limit(limit)).all()
    sent = 0
    if not pending:
        return 0
    with smtplib.SMTP(server, int(config.get("MAIL_PORT", 25)), timeout=30) as smtp:
        for note in pending:
            to = recipients(session, note)
            if to:
                msg = EmailMessage()
                msg["From"] = config.get("MAIL_SENDER", "kundval@kommun.example")
                msg["To"] = ", ".join(to)
                msg["Subject"] = note.subject
                msg.set_content(note.body)
                smtp.send_message(msg)
                sent += 1
            note.sent_at = utcnow()
    log.info("sent %s notifications", sent)
    return sent


def outbox_query(user: User):
    """The messages a user may see: an admin sees all, a provider user their provider's."""
    stmt = select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
    if user.role == "admin":
        return stmt
    conditions = [Notification.user_id == user.id]
    if user.role == "provider":
        conditions.append(Notification.provider_id == user.provider_id)
    else:
        conditions.append((Notification.role == user.role) & Notification.provider_id.is_(None)
                          & Notification.user_id.is_(None))
    return stmt.where(or_(*conditions))

