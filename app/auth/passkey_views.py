"""A staff user's own security keys and passkeys: list, add (WebAuthn registration), remove."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth import passkeys
from app.auth.access import roles_required
from app.auth.models import ROLES, WebAuthnCredential
from app.auth.second_factor_views import relying_party
from app.common.audit import record_change
from app.common.errors import ValidationError
from app.common.nav import add_nav
from app.extensions import db

bp = Blueprint("nycklar", __name__, url_prefix="/konto/sakerhetsnycklar")
STAFF_ROLES = tuple(role for role in ROLES if role != "client")


@bp.route("/")
@roles_required(*STAFF_ROLES)
def keys():
    return render_template("auth/passkeys.html", keys=passkeys.credentials_of(db.session, current_user))


@bp.route("/alternativ", methods=["POST"])
@roles_required(*STAFF_ROLES)
def options():
    rp_id, _origin = relying_party()
    body, challenge = passkeys.registration_options(db.session, current_user, rp_id=rp_id,
                                                    rp_name=current_app.config["SECOND_FACTOR_ISSUER"])
    session["webauthn_registration"] = challenge
    return Response(body, mimetype="application/json")


@bp.route("/", methods=["POST"])
@roles_required(*STAFF_ROLES)
def add():
    challenge = session.pop("webauthn_registration", None)
    data = request.get_json(silent=True) or {}
    if challenge is None:
        return {"error": _("Försök igen.")}, 400
    rp_id, origin = relying_party()
    try:
        passkeys.register(db.session, current_user, data.get("credential") or {}, challenge=challenge,
                          rp_id=rp_id, origin=origin, name=str(data.get("name") or ""))
    except ValidationError:
        db.session.rollback()
        return {"error": _("Säkerhetsnyckeln kunde inte läggas till. Försök igen.")}, 400
    db.session.commit()
    flash(_("Säkerhetsnyckeln är tillagd."), "success")
    return {"redirect": url_for("nycklar.keys")}


@bp.route("/<int:key_id>/ta-bort", methods=["POST"])
@roles_required(*STAFF_ROLES)
def remove(key_id: int):
    key = db.session.get(WebAuthnCredential, key_id)
    if key is None or key.user_id != current_user.id:
        return render_template("error.html", status=404, message=_("Sidan finns inte.")), 404
    record_change(db.session, current_user.id, "remove_security_key", "user", current_user.id,
                  before={"name": key.name})
    db.session.delete(key)
    db.session.commit()
    flash(_("Säkerhetsnyckeln är borttagen."), "success")
    return redirect(url_for("nycklar.keys"))


add_nav(STAFF_ROLES, "nycklar.keys", _l("Säkerhetsnycklar"), order=99)
