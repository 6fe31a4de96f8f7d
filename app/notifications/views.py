"""The outbox pages (a user's messages, marking one read) and `flask notifications send`."""
from __future__ import annotations

import click
from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.access import roles_required
from app.common.base import utcnow
from app.common.i18n import current_page_language
from app.common.nav import add_nav
from app.extensions import db
from app.notifications.messages import shown
from app.notifications.models import Notification
from app.notifications.service import outbox_query, send_pending

bp = Blueprint("notifications", __name__, url_prefix="/meddelanden", cli_group="notifications")


@bp.route("/")
@roles_required("admin", "provider", "finance", "case_worker")
def outbox():
    notes = db.session.exec(outbox_query(current_user).limit(300)).all()
    code = current_page_language().code
    shown_notes = [(n, shown(n, "subject", code), shown(n, "body", code)) for n in notes]
    return render_template("notifications/outbox.html", notes=shown_notes,
                           mail_configured=bool(current_app.config.get("MAIL_SERVER")))


@bp.route("/<int:note_id>/last", methods=["POST"])
@roles_required("admin", "provider", "finance", "case_worker")
def mark_read(note_id: int):
    note = db.session.exec(outbox_query(current_user).where(Notification.id == note_id)).first()
    if note is None:
        abort(404)
    note.read_at = note.read_at or utcnow()
    db.session.commit()
    return redirect(url_for("notifications.outbox"))


@bp.cli.command("send")
def send_cmd() -> None:
    """E-mail the messages in the outbox that have not been sent (needs MAIL_SERVER)."""
    if not current_app.config.get("MAIL_SERVER"):
        click.echo("MAIL_SERVER is not set: messages stay in the outbox.")
        return
    count = send_pending(db.session, current_app.config)
    db.session.commit()
    click.echo(f"{count} messages sent")


add_nav(("admin", "provider", "finance", "case_worker"), "notifications.outbox", _l("Meddelanden"),
        order=95)
