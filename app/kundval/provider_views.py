"""The provider's placements (/anordnare/placeringar): the client's contact details and the first meeting."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.access import roles_required
from app.common.audit import record_access
from app.common.errors import ValidationError
from app.common.forms import show_error
from app.common.nav import add_nav
from app.extensions import db
from app.kundval import forms, handoff

bp = Blueprint("placements", __name__, url_prefix="/anordnare/placeringar")


def _load(placement_id: int) -> handoff.ProviderPlacement:
    """The provider's own placement, or 404 for anyone else's."""
    view = handoff.provider_placement(db.session, current_user.provider_id, placement_id)
    if view is None:
        abort(404)
    return view


@bp.route("/")
@roles_required("provider")
def index():
    today = date.today()
    rows = handoff.provider_placement_list(db.session, current_user.provider_id, today)
    record_access(db.session, current_user.id, None, f"anordnare: lista med {len(rows)} deltagare")
    db.session.commit()
    return render_template("kundval/provider_placements.html", rows=rows, today=today,
                           due=handoff.first_meeting_due)


@bp.route("/<int:placement_id>", methods=["GET", "POST"])
@roles_required("provider")
def show(placement_id: int):
    view = _load(placement_id)
    today = date.today()
    form = _first_meeting_form(view)
    if request.method == "POST" and form.validate_on_submit():
        if _book_first_meeting(view, form, today):
            flash(_("Första träffen är bokad. Handläggaren och deltagaren ser tiden."), "success")
            return redirect(url_for("placements.show", placement_id=placement_id))
        view = _load(placement_id)
    record_access(db.session, current_user.id, view.client.id, "anordnare: placering")
    db.session.commit()
    return render_template("kundval/provider_placement.html", v=view, form=form, today=today,
                           due=handoff.first_meeting_due(view.placement),
                           language_names=dict(forms.LANGUAGE_CHOICES)), 400 if request.method == "POST" else 200


add_nav("provider", "placements.index", _l("Deltagare"), order=25)


def _first_meeting_form(view: handoff.ProviderPlacement) -> forms.FirstMeetingForm:
    """The booking form: the posted values on a POST, else the meeting already booked (if any),
    so a provider changing a booked time starts from what the client was told."""
    form = forms.FirstMeetingForm(formdata=None if request.method == "GET" else request.form)
    if request.method == "GET" and view.placement.first_meeting_on:
        form.first_meeting_on.data = view.placement.first_meeting_on
        form.first_meeting_time.data = view.placement.first_meeting_time
        form.first_meeting_place.data = view.placement.first_meeting_place
    return form


def _book_first_meeting(view: handoff.ProviderPlacement, form: forms.FirstMeetingForm, today: date) -> bool:
    """Book the first meeting and log the access in one transaction; a refusal goes on the form
    as a sentence and nothing is stored."""
    try:
        handoff.book_first_meeting(db.session, view, on=form.first_meeting_on.data,
                                   at=form.first_meeting_time.data, place=form.first_meeting_place.data,
                                   actor_id=current_user.id, today=today)
        record_access(db.session, current_user.id, view.client.id, "anordnare: boka första träff")
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        show_error(form, exc, as_sentence=True)
        return False
    return True
