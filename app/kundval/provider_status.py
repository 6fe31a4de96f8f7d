"""Placements at suspended or terminated providers: listed for the case workers to move."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import Session, select

from app.auth.access import roles_required
from app.common import clock
from app.common.audit import record_access
from app.common.nav import add_nav
from app.extensions import db
from app.kundval.models import Client, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider

CLOSED_STATUSES = ("suspended", "terminated")

bp = Blueprint("provider_status", __name__)


@dataclass
class ToMove:
    placement: Placement
    referral: Referral
    client: Client
    offering: Offering
    provider: Provider


def placements_to_move(session: Session, today: date, case_worker_id: int | None = None) -> list[ToMove]:
    """Open placements (not ended before today) whose provider is suspended or terminated."""
    stmt = (select(Placement, Referral, Client, Offering, Provider)
            .join(Referral, Referral.id == Placement.referral_id)
            .join(Client, Client.id == Referral.client_id)
            .join(Offering, Offering.id == Placement.offering_id)
            .join(Provider, Provider.id == Offering.provider_id)
            .where(Provider.status.in_(CLOSED_STATUSES), Referral.valid_to >= today,
                   (Placement.ended_on.is_(None)) | (Placement.ended_on >= today))
            .order_by(Provider.name, Client.name, Placement.ref))
    if case_worker_id is not None:
        stmt = stmt.where((Client.case_worker_id == case_worker_id) | (Referral.case_worker_id == case_worker_id))
    return [ToMove(*row) for row in session.exec(stmt).all()]


@bp.route("/handlaggare/avstangda-anordnare")
@roles_required("case_worker")
def to_move():
    everyone = request.args.get("visa") == "alla"
    rows = placements_to_move(db.session, clock.today(), None if everyone else current_user.id)
    for row in rows:
        record_access(db.session, current_user.id, row.client.id, "handläggare: placeringar hos avstängda anordnare")
    db.session.commit()
    return render_template("kundval/provider_status.html", rows=rows, everyone=everyone)


add_nav("case_worker", "provider_status.to_move", _l("Avstängda anordnare"), order=35)
