"""Finance screens: the period overview, one settlement, run, approve and close."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.access import roles_required
from app.common import clock
from app.common.confirm import confirmed
from app.common.errors import ValidationError
from app.common.nav import add_nav
from app.extensions import db
from app.settlement import late_changes, overview, run_all, service, timing
from app.tasks import service as tasks

if TYPE_CHECKING:  # the documents package loads WeasyPrint and lxml: only when a document is asked for
    from app.settlement.documents.data import SettlementDocument

bp = Blueprint("settlement", __name__, url_prefix="/avrakning")


def _period_or_404(period: str) -> str:
    try:
        return service.check_period(period)
    except ValidationError:
        abort(404)


@bp.route("/")
@roles_required("finance", "admin")
def periods() -> ResponseReturnValue:
    wanted = request.args.get("period", "").strip()
    if wanted:
        try:
            return redirect(url_for("settlement.period", period=service.check_period(wanted)))
        except ValidationError:
            flash(_("Ange månaden som ÅÅÅÅ-MM, till exempel 2026-10."), "error")
    return render_template("settlement/periods.html",
                           months=overview.recent_periods(db.session, clock.today()))


@bp.route("/<period>")
@roles_required("finance", "admin")
def period(period: str) -> ResponseReturnValue:
    period = _period_or_404(period)
    runs = [t for t in tasks.recent(db.session, (run_all.KIND.name,), 50)
            if t.params.get("period") == period][:5]
    return render_template("settlement/period.html", view=overview.period_overview(db.session, period),
                           preliminary=timing.is_preliminary(period), runs=runs, kinds=tasks.KINDS)


@bp.route("/<period>/kor", methods=["POST"])
@roles_required("finance")
def run(period: str) -> ResponseReturnValue:
    """Run-all is a job (its page shows the progress); one provider (`provider`) runs here."""
    period = _period_or_404(period)
    org_nr = request.form.get("provider") or None
    if org_nr is None:
        task = tasks.start(db.session, run_all.KIND.name, current_user.id, {"period": period})
        return redirect(url_for("tasks.show", task_id=task.id))
    try:
        result = service.run_period(db.session, period, org_nr)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return _run_answer(period, error=exc)
    return _run_answer(period, result=result)


def _run_answer(period: str, result: Any = None, error: ValidationError | None = None) -> ResponseReturnValue:
    wants_json = request.accept_mimetypes.best == "application/json"
    if error is not None:
        if wants_json:
            return jsonify({"error": {"field": error.field, "message": error.message}}), 400
        flash(error.message, "error")
    elif wants_json:
        return jsonify({"drafted": result.drafted, "unchanged": result.unchanged,
                        "skipped": result.skipped_settled, "removed": result.removed})
    else:
        flash(_("Körningen är klar: %(n)s nya eller ändrade utkast, %(u)s oförändrade.",
                n=len(result.drafted), u=len(result.unchanged)), "success")
    return redirect(url_for("settlement.period", period=period))


@bp.route("/<period>/godkann", methods=["POST"])
@roles_required("finance")
def approve(period: str) -> ResponseReturnValue:
    period = _period_or_404(period)
    ids = [int(i) for i in request.form.getlist("settlement_id") if i.isdigit()] or None
    if not confirmed():
        flash(_("Bekräfta att avräkningen ska godkännas. En godkänd avräkning kan inte ändras."), "error")
        return _back_from_approve(period, ids)
    try:
        result = service.approve_period(db.session, period, user_id=current_user.id, settlement_ids=ids)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("settlement.period", period=period))
    if result.approved:
        flash(_("Godkända: %(numbers)s", numbers=", ".join(n for _o, n in result.approved)), "success")
    else:
        flash(_("Det fanns inga utkast att godkänna."), "info")
    return _back_from_approve(period, ids)


def _back_from_approve(period: str, ids: list[int] | None) -> ResponseReturnValue:
    """Back to the one settlement approved from its own page, else to the month's list."""
    if ids and len(ids) == 1:
        return redirect(url_for("settlement.show", settlement_id=ids[0]))
    return redirect(url_for("settlement.period", period=period))


@bp.route("/<period>/stang", methods=["POST"])
@roles_required("finance")
def close(period: str) -> ResponseReturnValue:
    period = _period_or_404(period)
    if not confirmed():
        flash(_("Bekräfta att månaden ska stängas."), "error")
        return redirect(url_for("settlement.period", period=period))
    try:
        result = service.close_period(db.session, period, user_id=current_user.id)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("settlement.period", period=period))
    if result.already_closed:
        flash(_("Månaden var redan stängd."), "info")
    else:
        flash(_("%(period)s är stängd. %(n)s avräkningar godkändes.", period=period,
                n=len(result.approved)), "success")
    return redirect(url_for("settlement.period", period=period))


@bp.route("/<period>/export.json")
@roles_required("finance", "admin")
def export_json(period: str) -> ResponseReturnValue:
    period = _period_or_404(period)
    document = service.export_period(db.session, period)
    return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=avrakning-{period}.json"})


@bp.route("/visa/<int:settlement_id>")
@roles_required("finance", "admin")
def show(settlement_id: int) -> ResponseReturnValue:
    detail = overview.settlement_detail(db.session, settlement_id)
    if detail is None:
        abort(404)
    return render_template("settlement/show.html", preliminary=timing.is_preliminary(detail["settlement"].period),
                           late=late_changes.for_settlement(db.session, detail["settlement"]), **detail)


add_nav(("finance", "admin"), "settlement.periods", _l("Avräkningar"), order=20)


# --- Documents (PDF, Peppol, SIE) ----------------------------------------------------------------


def _document_or_abort(settlement_id: int) -> SettlementDocument:
    """The approved settlement's document; 404 if there is none, 409 while it is a draft."""
    from flask import current_app

    from app.settlement import documents

    settings = documents.settings_from_config(current_app.config)
    found = documents.load_documents(db.session, settings, settlement_ids=[settlement_id],
                                     approved_only=False)
    if not found:
        abort(404)
    if found[0].status != "approved":
        abort(409, description=_("Avräkningen är ett utkast. Dokument finns först när den är godkänd."))
    return found[0]


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.route("/visa/<int:settlement_id>/avrakning.pdf")
@roles_required("finance", "admin")
def download_pdf(settlement_id: int) -> ResponseReturnValue:
    from app.settlement.documents.pdf import render_pdf

    doc = _document_or_abort(settlement_id)
    return _download(render_pdf(doc), "application/pdf", f"{doc.file_stem}.pdf")


@bp.route("/visa/<int:settlement_id>/peppol.xml")
@roles_required("finance", "admin")
def download_peppol(settlement_id: int) -> ResponseReturnValue:
    from app.settlement.documents.peppol import build_peppol

    doc = _document_or_abort(settlement_id)
    if doc.internal:
        abort(404, description=_("Kommunens egen regi avräknas internt och får ingen Peppol-fil."))
    return _download(build_peppol(doc), "application/xml", f"{doc.file_stem}.xml")


@bp.route("/<period>/sie.se")
@roles_required("finance", "admin")
def download_sie(period: str) -> ResponseReturnValue:
    from flask import current_app

    from app.settlement import documents
    from app.settlement.documents.sie import build_sie

    period = _period_or_404(period)
    settings = documents.settings_from_config(current_app.config)
    docs = documents.load_documents(db.session, settings, period=period)
    if not docs:
        abort(404, description=_("Det finns inga godkända avräkningar för %(period)s.", period=period))
    return _download(build_sie(docs, settings, clock.today()), "text/plain; charset=IBM437",
                     f"avrakning-{period}.se")
