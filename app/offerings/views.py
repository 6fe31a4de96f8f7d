"""Offering screens for provider users: list, create, edit, publish, withdraw, new price."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.access import roles_required
from app.common.confirm import confirmed
from app.common.errors import ValidationError
from app.common.forms import show_error
from app.common.nav import add_nav
from app.extensions import db
from app.offerings import service
from app.offerings.forms import NewPriceForm, OfferingForm, descriptions_of, level_rates_of
from app.providers.models import Provider

bp = Blueprint("offerings", __name__, url_prefix="/tjanster")


def _data(form: OfferingForm) -> service.OfferingData:
    return service.OfferingData(
        service_type=form.service_type.data, title=form.title.data or "", rate_unit=form.rate_unit.data,
        rate=form.rate.data or "", vat_rate=form.vat_rate.data,
        start_share=form.start_share.data if form.start_share.data is not None else 50,
        description=form.description.data or "", capacity=form.capacity.data or 0,
        area=form.area.data or "", address=form.address.data or "",
        languages=(form.languages.data or "").split(","), target_groups=form.target_groups.data or "",
        available_from=form.available_from.data, available_to=form.available_to.data,
        level_rates=level_rates_of(form), descriptions=descriptions_of(form))


def _own(offering_id: int):
    offering = service.own_offering(db.session, current_user.provider_id, offering_id)
    if offering is None:
        abort(404)
    return offering


@bp.route("/")
@roles_required("provider")
def index():
    provider = db.session.get(Provider, current_user.provider_id)
    return render_template("offerings/index.html", provider=provider,
                           offerings=service.list_offerings(db.session, current_user.provider_id))


@bp.route("/ny", methods=["GET", "POST"])
@roles_required("provider")
def new():
    form = OfferingForm()
    if form.validate_on_submit():
        try:
            offering = service.create_offering(db.session, db.session.get(Provider, current_user.provider_id),
                                               _data(form), current_user.id)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash(_("Tjänsten är sparad som utkast. Publicera den när den är klar."), "success")
            return redirect(url_for("offerings.edit", offering_id=offering.id))
    return render_template("offerings/edit.html", form=form, offering=None, frozen=False,
                           price_form=None), 400 if request.method == "POST" else 200


@bp.route("/<int:offering_id>", methods=["GET", "POST"])
@roles_required("provider")
def edit(offering_id: int):
    offering = _own(offering_id)
    frozen = service.is_frozen(db.session, offering)
    form = _filled_form(offering) if request.method == "GET" else _posted_form(offering, frozen)
    if request.method == "POST" and form.validate_on_submit():
        if _update(offering, form, frozen):
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("offerings.edit", offering_id=offering.id))
    price_form = NewPriceForm(vat_rate=str(offering.vat_rate), start_share=offering.start_share,
                              formdata=None, **_level_fields(offering))
    return render_template("offerings/edit.html", form=form, offering=offering, frozen=frozen,
                           price_form=price_form), 400 if request.method == "POST" else 200


def _posted_form(offering, frozen: bool) -> OfferingForm:
    """The posted form; a frozen price is shown, not edited, so what the page does not post is
    filled from the offering."""
    formdata = request.form.copy()
    for name, value in _price_fields(offering).items() if frozen else ():
        formdata.setdefault(name, value)
    return OfferingForm(formdata=formdata)


def _update(offering, form: OfferingForm, frozen: bool) -> bool:
    """Store the changes in one transaction, or show the refusal: on its field, or above the
    form when it concerns the locked price (which has no fields on the page)."""
    try:
        service.update_offering(db.session, offering, _data(form), current_user.id)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        if frozen and exc.field in service.FROZEN_FIELDS:
            form.form_errors.append(exc.message)
        else:
            show_error(form, exc)
        return False
    return True

def _level_fields(offering) -> dict:
    rates = offering.level_rates or {}
    return {f"rate_{level.lower()}": str(rates[level]) if level in rates else "" for level in ("A", "B", "C")}


def _price_fields(offering) -> dict:
    """The frozen price as form values: the page shows it, it does not post it."""
    fields = {name: str(getattr(offering, name)) for name in service.FROZEN_FIELDS if name != "level_rates"}
    return {**fields, **_level_fields(offering)}


def _filled_form(offering) -> OfferingForm:
    form = OfferingForm(obj=offering, formdata=None, **_level_fields(offering))
    form.rate.data = str(offering.rate)
    form.vat_rate.data = str(offering.vat_rate)
    form.languages.data = ", ".join(offering.languages or [])
    for code, text in (offering.descriptions or {}).items():
        if hasattr(form, f"description_{code}"):
            getattr(form, f"description_{code}").data = text
    return form


@bp.route("/<int:offering_id>/publicera", methods=["POST"])
@roles_required("provider")
def publish(offering_id: int):
    return _status_change(offering_id, service.publish, _("Tjänsten är publicerad."))


@bp.route("/<int:offering_id>/dra-tillbaka", methods=["POST"])
@roles_required("provider")
def withdraw(offering_id: int):
    if not confirmed():
        flash(_("Bekräfta att tjänsten ska dras tillbaka. Den kan då inte väljas längre."), "error")
        return redirect(url_for("offerings.edit", offering_id=_own(offering_id).id))
    return _status_change(offering_id, service.withdraw,
                          _("Tjänsten är tillbakadragen och kan inte väljas längre."))


def _status_change(offering_id: int, action, message: str):
    offering = _own(offering_id)
    try:
        action(db.session, offering, current_user.id)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("offerings.edit", offering_id=offering.id))


@bp.route("/<int:offering_id>/nytt-pris", methods=["POST"])
@roles_required("provider")
def new_price(offering_id: int):
    offering = _own(offering_id)
    form = NewPriceForm()
    if form.validate_on_submit():
        try:
            new = service.new_price(db.session, offering, form.from_date.data, form.rate.data,
                                    form.vat_rate.data, form.start_share.data
                                    if form.start_share.data is not None else 50,
                                    current_user.id, date.today(), level_rates=level_rates_of(form))
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash(_("Det nya priset gäller från %(d)s.", d=form.from_date.data.isoformat()), "success")
            return redirect(url_for("offerings.edit", offering_id=new.id))
    return render_template("offerings/edit.html", form=_filled_form(offering), offering=offering,
                           frozen=True, price_form=form), 400


add_nav("provider", "offerings.index", _l("Tjänster"), order=20)
