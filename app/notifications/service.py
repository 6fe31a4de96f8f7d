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
from app.common.client_language import recorded_choice
from app.common.hooks import Hook
from app.common.languages import CLIENT_LANGUAGES, DEFAULT_LANGUAGE, STAFF_LANGUAGES, page_language
from app.notifications.messages import Message, message_data, render, shown
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


def notify(session: Session, *, subject: Message, body: Message = "", sep: str = "",
           provider_id: int | None = None, user_id: int | None = None, role: str = "", email: str = "",
           key: str = "") -> Notification | None:
    """Queue a message; with a key, a message already queued under that key is not repeated.

    The subject and body are lazy strings (`_l("... %(name)s", name=...)`); a body may be a list of
    them (and of plain text such as a reason), joined by `sep`. Each reader gets them in their own
    language (messages.py); the Swedish text is stored too."""
    key = key[:120]
    if key and _already_queued(session, key):
        return None
    subject_msg, body_msg = message_data(subject), message_data(body, sep)
    note = Notification(subject=render(subject_msg, DEFAULT_LANGUAGE)[:200], body=render(body_msg, DEFAULT_LANGUAGE),
                        subject_msg=subject_msg, body_msg=body_msg, provider_id=provider_id, user_id=user_id,
                        role=role if role else ("provider" if provider_id else ""), email=email, key=key)
    session.add(note)
    if key and KNOWN_KEYS in session.info:
        session.info[KNOWN_KEYS][key] = True
    return note


def reading_language(user: User) -> str:
    """The language a user reads their e-mail in: a client's page language, a staff user's chosen
    interface language, else Swedish."""
    if user.role == "client":
        chosen = recorded_choice(user)
        return chosen if chosen in CLIENT_LANGUAGES else DEFAULT_LANGUAGE
    return user.ui_language if user.ui_language in STAFF_LANGUAGES else DEFAULT_LANGUAGE


def recipients_by_language(session: Session, note: Notification) -> dict[str, list[str]]:
    """The addresses a message goes to, by the language each reads: its own address and a provider's
    contact address (no one's known language) in Swedish, its user's, its provider's users', its role's
    in theirs."""
    users: list[User] = []
    plain = [note.email] if note.email else []
    if note.user_id:
        user = session.get(User, note.user_id)
        if user is not None and user.active:
            users.append(user)
    if note.provider_id:
        plain += provider_addresses(session, note.provider_id)
        users += session.exec(select(User).where(User.provider_id == note.provider_id, User.active.is_(True))).all()
    elif note.role and not note.user_id:
        users += session.exec(select(User).where(User.role == note.role, User.active.is_(True))).all()
    language = dict.fromkeys(plain, DEFAULT_LANGUAGE) | {user.email: reading_language(user) for user in users}
    found: dict[str, list[str]] = {}
    for address in sorted(language):  # each address once, in the language its reader reads
        found.setdefault(language[address], []).append(address)
    return found


def recipients(session: Session, note: Notification) -> list[str]:
    """The e-mail addresses a message goes to: its own, its user's, its provider's users, its role's."""
    return sorted({a for addresses in recipients_by_language(session, note).values() for a in addresses})


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
            by_language = recipients_by_language(session, note)
            for code, to in by_language.items():
                smtp.send_message(_email(config, note, code, to))
            sent += 1 if by_language else 0
            note.sent_at = utcnow()
    log.info("sent %s notifications", sent)
    return sent


def _email(config, note: Notification, code: str, to: list[str]) -> EmailMessage:
    """The message in one language, to the recipients who read it."""
    msg = EmailMessage()
    msg["From"] = config.get("MAIL_SENDER", "kundval@kommun.example")
    msg["To"] = ", ".join(to)
    msg["Subject"] = shown(note, "subject", code)
    msg.set_content(shown(note, "body", code))
    msg["Content-Language"] = page_language(code).html_lang  # after set_content, which clears Content-*
    return msg


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

