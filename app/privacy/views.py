"""Privacy pages for the admin: the retention dry run and earlier runs, register extracts on request."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlmodel import select

from app.auth.access import roles_required
from app.common.nav import add_nav
from app.extensions import db
from app.privacy import retention
from app.providers.models import Provider

bp = Blueprint("privacy", __name__, url_prefix="/admin")


def _today() -> date:
    return date.today()


@bp.route("/gallring")
@roles_required("admin")
def retention_page():
    policy = retention.Policy.from_config(current_app.config)
    due = retention.plan(db.session, policy, _today())
    providers = dict(db.session.exec(select(Provider.id, Provider.name)).all())
    return render_template("privacy/retention.html", plan=due, policy=policy, providers=providers,
                           runs=retention.earlier_runs(db.session))


add_nav("admin", "privacy.retention_page", _l("Gallring"), order=92)
