"""The start page at /: what the signed-in user's role sees first."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.access import login_required_any
from app.common.nav import add_nav
from app.extensions import db
from app.start.facts import start_facts

bp = Blueprint("start", __name__)


@bp.route("/")
@login_required_any
def home():
    facts = start_facts(db.session, current_user)
    return render_template(f"start/{current_user.role}.html", facts=facts)


add_nav(("admin", "case_worker", "finance", "management", "provider", "client"), "start.home", _l("Start"), order=0)
