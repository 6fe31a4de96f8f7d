"""Procurement screens: the public conditions, the admin's versions and contracts, the provider's contract."""
from __future__ import annotations

from datetime import date

import click
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from app.auth.access import public, roles_required
from app.auth.models import User
from app.common.audit import record_change
from app.common.errors import ValidationError
from app.common.forms import show_error
from app.common.labels import SERVICE_TYPES
from app.common.nav import add_nav
from app.extensions import db
from app.procurement import service
from app.procurement.forms import ConditionsForm, KindForm, PublishForm
from app.procurement.models import Conditions, Contract
from app.providers.models import PROVIDER_KINDS, Provider

bp = Blueprint("procurement", __name__, url_prefix="/upphandling", cli_group="procurement")
admin_bp = Blueprint("procurement_admin", __name__, url_prefix="/admin/upphandling")
portal_bp = Blueprint("contract", __name__, url_prefix="/anordnare/avtal")


def _today() -> date:
    return date.today()


def _conditions_by_id(ids) -> dict[int, Conditions]:
    ids = list({int(i) for i in ids})
    if not ids:
        return {}
    return {c.id: c for c in db.session.exec(select(Conditions).where(Conditions.id.in_(ids))).all()}


def contract_view(contracts: list[Contract]) -> dict:
    """What the contract templates need: the versions and changes of the given contracts."""
    changes = service.changes_of(db.session, [c.id for c in contracts])
    ids = [i for c in contracts for i in c.terms.values()] + [ch.conditions_id for ch in changes]
    user_ids = {c.accepted_by_id for c in contracts} | {ch.decided_by_id for ch in changes}
    users = {u.id: u for u in db.session.exec(select(User).where(User.id.in_(
        [i for i in user_ids if i]))).all()} if any(user_ids) else {}
    return {"contracts": contracts, "changes": changes, "versions": _conditions_by_id(ids),
            "users": users, "today": _today(), "ending": service.ending}


@admin_bp.app_template_global()
def procurement_panel(provider: Provider) -> dict:
    """The kind form and contracts shown on the admin's review page of a provider."""
    return {"kind_form": KindForm(kind=provider.kind, iop=provider.iop),
            "v": contract_view(service.contracts_of(db.session, provider.id))}


@portal_bp.app_template_global()
def contract_to_answer(provider_id: int) -> bool:
    """True when the provider has a contract or new terms waiting for its answer."""
    contract = service.live_contract(db.session, provider_id)
    if contract is None:
        return False
    return contract.status == "offered" or any(
        ch.status == "pending" and _today() <= ch.accept_by for ch in service.changes_of(db.session, [contract.id]))


# Public ----------------------------------------------------------------------------------------

@bp.route("/villkor/")
@public
def conditions_index():
    return render_template("procurement/public_index.html",
                           current=service.current_by_type(db.session), service_types=SERVICE_TYPES)


def _published_or_404(service_type: str, version: int) -> Conditions:
    cond = service.published_version(db.session, service_type, version)
    if cond is None:
        abort(404)
    return cond


@bp.route("/villkor/<service_type>/<int:version>")
@public
def conditions(service_type: str, version: int):
    cond = _published_or_404(service_type, version)
    newest = service.current(db.session, service_type)
    return render_template("procurement/public_conditions.html", cond=cond, newest=newest)


@bp.route("/villkor/<service_type>/<int:version>.pdf")
@public
def conditions_pdf(service_type: str, version: int):
    from app.procurement.pdf import render_conditions_pdf

    cond = _published_or_404(service_type, version)
    return Response(render_conditions_pdf(cond, current_app.config["MUNICIPALITY_NAME"]), mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=villkor-{service_type}-v{version}.pdf"})


@bp.cli.command("end")
def end_cmd() -> None:
    """End the contracts whose end date has passed."""
    ended = service.end_expired(db.session, _today())
    db.session.commit()
    click.echo(f"{len(ended)} avtal har upphört")


# Admin -----------------------------------------------------------------------------------------

@admin_bp.route("/")
@roles_required("admin")
def index():
    contracts = list(db.session.exec(select(Contract).order_by(Contract.id.desc())).all())
    providers = {p.id: p for p in db.session.exec(select(Provider).where(Provider.id.in_(
        [c.provider_id for c in contracts] or [0]))).all()}
    return render_template("procurement/admin_index.html", versions=service.all_versions(db.session),
                           providers=providers, v=contract_view(contracts))


def _data(form: ConditionsForm) -> service.ConditionsData:
    return service.ConditionsData(**{name: getattr(form, name).data for name in (
        "service_type", "title", "description", "req_documents", "req_insurance", "req_staff",
        "req_languages", "compensation", "contract_months", "price_rule", "price_unit",
        "price_amount", "level_amounts")})


@admin_bp.route("/villkor/ny", methods=["GET", "POST"])
@roles_required("admin")
def new_conditions():
    form = ConditionsForm()
    if form.validate_on_submit():
        try:
            cond = service.create_draft(db.session, _data(form), current_user.id)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            show_error(form, exc, as_sentence=True)
        else:
            flash(_("Utkastet är sparat."), "success")
            return redirect(url_for("procurement_admin.edit", cond_id=cond.id))
    return render_template("procurement/edit.html", form=form, cond=None, publish_form=None), \
        400 if request.method == "POST" else 200


@admin_bp.route("/villkor/<int:cond_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit(cond_id: int):
    cond = db.session.get(Conditions, cond_id) or abort(404)
    form = ConditionsForm(obj=cond)
    if request.method == "GET" and cond.level_amounts:
        form.level_amounts.data = ", ".join(f"{k}={v}" for k, v in sorted(cond.level_amounts.items()))
    if request.method == "GET" and cond.price_amount is not None:
        form.price_amount.data = str(cond.price_amount)
    if form.validate_on_submit():
        try:
            service.update_draft(db.session, cond, _data(form), current_user.id)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            show_error(form, exc, as_sentence=True)
        else:
            flash(_("Utkastet är sparat."), "success")
            return redirect(url_for("procurement_admin.edit", cond_id=cond.id))
    return render_template("procurement/edit.html", form=form, cond=cond, publish_form=PublishForm()), \
        400 if request.method == "POST" else 200


@admin_bp.route("/villkor/<int:cond_id>/publicera", methods=["POST"])
@roles_required("admin")
def publish(cond_id: int):
    cond = db.session.get(Conditions, cond_id) or abort(404)
    form = PublishForm()
    form.validate()
    try:
        changes = service.publish(db.session, cond, current_user.id, _today(), form.accept_by.data)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("procurement_admin.edit", cond_id=cond.id))
    flash(_("Version %(version)s är publicerad och skickad till %(count)s avtalade anordnare.",
            version=cond.version, count=len(changes)), "success")
    return redirect(url_for("procurement_admin.index"))


@admin_bp.route("/villkor/<int:cond_id>/ny-version", methods=["POST"])
@roles_required("admin")
def copy(cond_id: int):
    cond = db.session.get(Conditions, cond_id) or abort(404)
    try:
        new = service.copy_as_draft(db.session, cond, current_user.id)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("procurement_admin.index"))
    flash(_("Version %(version)s är ett utkast, kopierat från version %(old)s.", version=new.version,
            old=cond.version), "success")
    return redirect(url_for("procurement_admin.edit", cond_id=new.id))


@admin_bp.route("/anordnare/<int:provider_id>/typ", methods=["POST"])
@roles_required("admin")
def set_kind(provider_id: int):
    provider = db.session.get(Provider, provider_id) or abort(404)
    form = KindForm()
    if form.validate_on_submit() and form.kind.data in PROVIDER_KINDS:
        before = {"kind": provider.kind, "iop": provider.iop}
        provider.kind = form.kind.data
        provider.iop = bool(form.iop.data) and provider.kind == "nonprofit"
        record_change(db.session, current_user.id, "update", "provider", provider.id, before=before,
                      after={"kind": provider.kind, "iop": provider.iop})
        db.session.commit()
        flash(_("Typen av anordnare är sparad."), "success")
    else:
        flash(_("Välj en typ av anordnare."), "error")
    return redirect(url_for("provider_admin.review", provider_id=provider.id))


# The provider's contract -----------------------------------------------------------------------

@portal_bp.route("/")
@roles_required("provider")
def mine():
    contracts = service.contracts_of(db.session, current_user.provider_id)
    return render_template("procurement/my_contract.html", v=contract_view(contracts))


def _answer(action, success: str):
    try:
        action()
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(success, "success")
    return redirect(url_for("contract.mine"))


@portal_bp.route("/<int:contract_id>/godta", methods=["POST"])
@roles_required("provider")
def accept(contract_id: int):
    return _answer(lambda: service.accept_contract(db.session, db.session.get(Contract, contract_id),
                                                   current_user),
                   _("Avtalet är godtaget. Ni kan nu publicera tjänster."))


@portal_bp.route("/andring/<int:change_id>/godta", methods=["POST"])
@roles_required("provider")
def accept_change(change_id: int):
    return _answer(lambda: service.accept_change(db.session, change_id, current_user, _today()),
                   _("De nya villkoren är godtagna och gäller från och med nu."))


@portal_bp.route("/andring/<int:change_id>/avboj", methods=["POST"])
@roles_required("provider")
def decline_change(change_id: int):
    return _answer(lambda: service.decline_change(db.session, change_id, current_user, _today()),
                   _("Ni har avböjt de nya villkoren. De nuvarande villkoren gäller till avtalets slutdatum."))


add_nav("admin", "procurement_admin.index", _l("Upphandling"), order=25)
add_nav("provider", "contract.mine", _l("Avtal"), order=15)
