"""Administration: users and the audit log."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from app.auth import second_factor
from app.auth import service as auth_service
from app.auth.access import roles_required
from app.auth.forms import UserForm
from app.auth.models import TotpFactor, User
from app.common import paging
from app.common.errors import ValidationError
from app.common.labels import LABELS
from app.common.models import AuditLog
from app.common.nav import add_nav
from app.extensions import db
from app.providers.models import Provider

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/anvandare", methods=["GET", "POST"])
@roles_required("admin")
def users():
    form = UserForm()
    if form.validate_on_submit() and _create_user(form):
        flash(_("Användaren %(email)s är skapad.", email=form.email.data), "success")
        return redirect(url_for("admin.users"))
    rows, enrolled = _users_and_enrolled()
    status = 400 if request.method == "POST" else 200
    return render_template("admin/users.html", form=form, rows=rows, enrolled=enrolled,
                           needs_second_factor=second_factor.required_for), status


def _create_user(form: UserForm) -> bool:
    """Create the user from the form in one transaction; a refusal goes on the field it names
    (the service says "provider", the form calls it provider_org_nr), so the admin sees where."""
    try:
        auth_service.create_user(
            db.session, email=form.email.data, role=form.role.data, password=form.password.data,
            name=form.name.data or "", provider_org_nr=form.provider_org_nr.data or None,
            actor_id=current_user.id)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        field = getattr(form, {"provider": "provider_org_nr"}.get(exc.field, exc.field), None)
        (field.errors if field is not None else form.form_errors).append(exc.message)
        return False
    return True


def _users_and_enrolled():
    """Every user with their provider's name, and the ids of those with a confirmed second
    factor: the list shows who still has to enrol."""
    rows = db.session.exec(
        select(User, Provider.name).join(Provider, Provider.id == User.provider_id, isouter=True)
        .order_by(User.role, User.email)
    ).all()
    enrolled = set(db.session.exec(select(TotpFactor.user_id).where(TotpFactor.confirmed_at.is_not(None))).all())
    return rows, enrolled


@bp.route("/anvandare/<int:user_id>/tva-steg", methods=["POST"])
@roles_required("admin")
def reset_second_factor(user_id: int):
    """Remove a user's authenticator app and recovery codes; they enrol again at the next sign-in."""
    user = db.session.get(User, user_id)
    if user is None:
        return render_template("error.html", status=404, message=_("Användaren finns inte.")), 404
    second_factor.reset(db.session, user, current_user.id)
    db.session.commit()
    flash(_("Tvåstegsverifieringen för %(email)s är återställd. Användaren aktiverar den igen vid nästa inloggning.",
            email=user.email), "success")
    return redirect(url_for("admin.users"))


@bp.route("/anvandare/<int:user_id>/aktiv", methods=["POST"])
@roles_required("admin")
def toggle_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        return render_template("error.html", status=404, message=_("Användaren finns inte.")), 404
    if user.id == current_user.id:
        flash(_("Du kan inte stänga av ditt eget konto."), "error")
        return redirect(url_for("admin.users"))
    auth_service.set_active(db.session, user, not user.active, current_user.id)
    db.session.commit()
    flash(_("Kontot är aktiverat.") if user.active else _("Kontot är avstängt."), "success")
    return redirect(url_for("admin.users"))


@bp.route("/granskningslogg")
@roles_required("admin")
def audit_log():
    entity = request.args.get("entity", "").strip()
    stmt = select(AuditLog, User.email).join(User, User.id == AuditLog.user_id, isouter=True)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    page = paging.fetch(db.session, stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc()),
                        paging.page_number(request.args.get("sida")))
    entities = sorted(((code, str(name)) for code, name in LABELS["audit_entity"].items()), key=lambda e: e[1])
    return render_template("admin/audit_log.html", page=page, entity=entity, entities=entities)


add_nav("admin", "admin.users", _l("Användare"), order=80)
add_nav("admin", "admin.audit_log", _l("Granskningslogg"), order=90)
