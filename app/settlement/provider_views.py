"""The provider's own settlements: drafts (preliminary) and approved ones, their lines and documents.

Every route loads the settlement through `_own_settlement`, which answers 404 for another
provider's: one ownership check per handler, as in the rest of the portal.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import col, func, select

from app.auth.access import roles_required
from app.common.nav import add_nav
from app.extensions import db
from app.settlement import overview
from app.settlement.models import Settlement, SettlementLine

if TYPE_CHECKING:  # the documents package loads WeasyPrint and lxml: only when a document is asked for
    from app.settlement.documents.data import SettlementDocument

bp = Blueprint("provider_settlements", __name__, url_prefix="/anordnare/avrakningar")


def _own_settlement(settlement_id: int) -> Settlement:
    settlement = db.session.get(Settlement, settlement_id)
    if settlement is None or settlement.provider_id != current_user.provider_id:
        abort(404)
    return settlement


def _own_document(settlement_id: int) -> SettlementDocument:
    """The approved settlement's document; 409 while it is a draft (drafts get no documents)."""
    from app.settlement import documents

    settlement = _own_settlement(settlement_id)
    if settlement.status != "approved":
        abort(409, description=_("Avräkningen är preliminär. Dokument finns först när den är godkänd."))
    settings = documents.settings_from_config(current_app.config)
    assert settlement.id is not None  # read from the database
    return documents.load_documents(db.session, settings, settlement_ids=[settlement.id])[0]


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.route("/")
@roles_required("provider")
def index() -> ResponseReturnValue:
    rows = db.session.exec(
        select(Settlement).where(col(Settlement.provider_id) == current_user.provider_id)
        .order_by(col(Settlement.period).desc())).all()
    corrected = dict(db.session.exec(
        select(col(SettlementLine.settlement_id), func.count())
        .where(col(SettlementLine.kind) == "adjustment",
               col(SettlementLine.settlement_id).in_([s.id for s in rows] or [0]))
        .group_by(col(SettlementLine.settlement_id))).all())
    return render_template("settlement/provider_index.html", rows=rows, corrected=corrected)


@bp.route("/<int:settlement_id>")
@roles_required("provider")
def show(settlement_id: int) -> ResponseReturnValue:
    _own_settlement(settlement_id)
    detail = overview.settlement_detail(db.session, settlement_id)
    assert detail is not None  # the settlement was just read
    return render_template("settlement/provider_show.html", **detail)


@bp.route("/<int:settlement_id>/avrakning.pdf")
@roles_required("provider")
def download_pdf(settlement_id: int) -> ResponseReturnValue:
    from app.settlement.documents.pdf import render_pdf

    doc = _own_document(settlement_id)
    return _download(render_pdf(doc), "application/pdf", f"{doc.file_stem}.pdf")


@bp.route("/<int:settlement_id>/peppol.xml")
@roles_required("provider")
def download_peppol(settlement_id: int) -> ResponseReturnValue:
    from app.settlement.documents.peppol import build_peppol

    doc = _own_document(settlement_id)
    return _download(build_peppol(doc), "application/xml", f"{doc.file_stem}.xml")


add_nav("provider", "provider_settlements.index", _l("Avräkningar"), order=50)
