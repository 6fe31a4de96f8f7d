"""Privacy pages: the retention dry run and earlier runs (admin); register extracts for the client
and, on request, made by the admin."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from app.auth.access import roles_required
from app.common.audit import record_access
from app.common.errors import ValidationError
from app.common.i18n import fmt_number
from app.common.nav import add_nav
from app.extensions import db
from app.kundval import service as kundval
from app.kundval.forms import LANGUAGE_CHOICES
from app.kundval.models import Client
from app.privacy import extract, retention
from app.providers.models import Provider

bp = Blueprint("privacy", __name__)


def _today() -> date:
    return date.today()


@bp.route("/admin/gallring")
@roles_required("admin")
def retention_page():
    policy = retention.Policy.from_config(current_app.config)
    due = retention.plan(db.session, policy, _today())
    providers = dict(db.session.exec(select(Provider.id, Provider.name)).all())
    return render_template("privacy/retention.html", plan=due, policy=policy, providers=providers,
                           runs=retention.earlier_runs(db.session))


# -- register extracts ---------------------------------------------------------------------------

def _when(iso: str | None) -> str:
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso)
    return format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC), "yyyy-MM-dd HH:mm")


def _number(text: str | None) -> str:
    return fmt_number(Decimal(text)) if text else "–"


def _extract_response(client: Client, fmt: str, on_request: bool) -> Response:
    """The extract as a download; its making is logged in the same transaction."""
    config = current_app.config
    data = extract.build(db.session, client, now=datetime.now(UTC),
                         controller={"name": config["MUNICIPALITY_NAME"], "org_nr": config["MUNICIPALITY_ORG_NR"]})
    extract.record(db.session, client, current_user.id, fmt, on_request)
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        mimetype = "application/json"
    else:
        body = extract.render_pdf(render_template(
            "privacy/extract_pdf.html", x=data, when=_when, lang=str(get_locale() or "sv"), num=_number,
            language_names={code: name.split(" (")[0] for code, name in LANGUAGE_CHOICES},
            page_footer=extract.page_footer(),
            retention_years=config["RETENTION_CLIENT_YEARS"]))
        mimetype = "application/pdf"
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="registerutdrag-{client.ref}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/deltagare/mina-uppgifter/registerutdrag.<any(pdf, json):fmt>")
@roles_required("client")
def my_extract(fmt: str):
    client = kundval.client_of_user(db.session, current_user.id)
    if client is None:
        abort(404)
    return _extract_response(client, fmt, on_request=False)


@bp.route("/admin/registerutdrag", methods=["GET", "POST"])
@roles_required("admin")
def extract_search():
    """Find the person by personnummer (posted, never in a URL) to make their extract on request."""
    found, error = None, None
    if request.method == "POST":
        try:
            found = kundval.find_client(db.session, request.form.get("personal_id", ""))
        except ValidationError as exc:
            error = exc.message
        if found is None and error is None:
            error = _("Ingen deltagare med det personnumret finns i Kundval.")
        if found is not None:
            record_access(db.session, current_user.id, found.id, "registerutdrag: sök")
            db.session.commit()
    status = 404 if error else 200
    return render_template("privacy/extract_search.html", found=found, error=error), status


@bp.route("/admin/registerutdrag/<int:client_id>.<any(pdf, json):fmt>")
@roles_required("admin")
def extract_for(client_id: int, fmt: str):
    client = db.session.get(Client, client_id)
    if client is None or retention.is_removed(client):
        abort(404)
    return _extract_response(client, fmt, on_request=True)


add_nav("admin", "privacy.retention_page", _l("Gallring"), order=92)
add_nav("admin", "privacy.extract_search", _l("Registerutdrag"), order=93)
