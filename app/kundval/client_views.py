"""The client's pages (/deltagare): sign in with a code or e-ID, see the offerings, compare, choose."""
from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
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
from flask_login import current_user, login_user
from sqlmodel import select

from app.auth import oidc
from app.auth.access import public, roles_required
from app.auth.models import User
from app.common import clock
from app.common.audit import record_access
from app.common.client_language import remember_client_language
from app.common.errors import ValidationError
from app.common.nav import add_nav
from app.common.periods import period_bounds
from app.extensions import db, limiter
from app.kundval import choice, disputes, fairness, forms, levels, service
from app.kundval.client_messages import client_error
from app.kundval.models import Client, DefaultChoiceSetting, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider

bp = Blueprint("deltagare", __name__, url_prefix="/deltagare")
MAX_COMPARE = 3
# The languages spoken at a provider, each named in itself only (the staff list adds Swedish names).
LANGUAGE_NAMES = {code: name.split(" (")[0] for code, name in forms.LANGUAGE_CHOICES}


def _today() -> date:
    return clock.today()


def _failed(response) -> bool:
    return request.method == "POST" and response.status_code != 302


def _limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _sign_in(user: User):
    db.session.commit()
    lang = session.get("lang")
    session.clear()  # a fresh session, so nothing from before the sign-in carries over
    if lang:
        session["lang"] = lang
        remember_client_language(db.session, user, lang)
        db.session.commit()
    login_user(user)
    return redirect(url_for("deltagare.overview"))


# -- signing in ----------------------------------------------------------------------------------

@bp.route("/logga-in", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"], deduct_when=_failed)
def login():
    form = forms.CodeForm()
    if form.validate_on_submit():
        try:
            return _sign_in(service.redeem_login_code(db.session, form.code.data))
        except ValidationError:
            db.session.rollback()
            form.code.errors.append(_("Koden stämmer inte eller har gått ut. Be din handläggare om en ny kod."))
    status = 400 if request.method == "POST" else 200
    return render_template("client/login.html", form=form, eid=oidc.configured(),
                           eid_label=current_app.config["OIDC_BUTTON_LABEL"]), status


@bp.route("/e-legitimation")
@public
def eid_login():
    if not oidc.configured():
        return render_template("client/eid_off.html"), 200
    return oidc.client().authorize_redirect(url_for("deltagare.eid_callback", _external=True))


@bp.route("/e-legitimation/klar")
@public
def eid_callback():
    if not oidc.configured():
        return render_template("client/eid_off.html"), 200
    outcome = oidc.callback_outcome()
    if outcome.failure == "cancelled":
        flash(_("Du avbröt inloggningen med e-legitimation. Försök igen, eller använd koden från din handläggare."),
              "info")
        return redirect(url_for("deltagare.login"))
    if outcome.failure is not None:
        flash(_("Inloggningen med e-legitimation gick inte att slutföra. Försök igen."), "error")
        return redirect(url_for("deltagare.login"))
    client = service.find_client(db.session, outcome.personal_id)
    if client is None:
        current_app.logger.info("e-ID sign-in by someone who is not a registered client")
        flash(_("Vi hittar dig inte i Kundval. Kontakta din handläggare."), "error")
        return redirect(url_for("deltagare.login"))
    return _sign_in(service.client_user(db.session, client))


# -- the client's own pages ----------------------------------------------------------------------

def _me() -> Client:
    client = service.client_of_user(db.session, current_user.id)
    if client is None:
        abort(404)
    return client


def _my_referral(referral_id: int) -> tuple[Client, Referral]:
    client = _me()
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.client_id != client.id:
        abort(404)
    return client, referral


def _seen(client: Client, page: str) -> None:
    record_access(db.session, current_user.id, client.id, page)
    db.session.commit()


def _placements(referral: Referral) -> list[Placement]:
    return db.session.exec(select(Placement).where(Placement.referral_id == referral.id)
                           .order_by(Placement.start_date, Placement.id)).all()


@bp.route("/")
@roles_required("client")
def overview():
    client = _me()
    today = _today()
    history = service.client_history(db.session, client)
    offering_ids = {p.offering_id for _, ps in history for p in ps}
    offerings = {o.id: (o, pr) for o, pr in db.session.exec(
        select(Offering, Provider).join(Provider, Provider.id == Offering.provider_id)
        .where(Offering.id.in_(offering_ids))).all()} if offering_ids else {}
    items = [(r, ps, service.referral_status(r, ps, today), service.active_placement(ps, today))
             for r, ps in history if r.valid_to >= today or ps]
    no_choice = set(db.session.exec(select(DefaultChoiceSetting.service_type)).all())
    _seen(client, "deltagare: start")
    return render_template("client/overview.html", client=client, items=items, offerings=offerings, today=today,
                           level_texts=levels.CLIENT_TEXT, no_choice=no_choice)


def _filters() -> dict:
    return {"area": request.args.get("omrade", "").strip()[:100],
            "language": request.args.get("sprak", "").strip()[:10],
            "text": request.args.get("q", "").strip()[:100]}


@bp.route("/beslut/<int:referral_id>/tjanster")
@roles_required("client")
def offerings(referral_id: int):
    client, referral = _my_referral(referral_id)
    today = _today()
    secret = current_app.config["SECRET_KEY"]
    everything = choice.available_offerings(db.session, referral, today, secret=secret)
    chosen = _filters()
    shown = choice.available_offerings(db.session, referral, today, secret=secret, **chosen)
    areas, languages = choice.filter_values(everything)
    current = service.active_placement(_placements(referral), today)
    _seen(client, "deltagare: tjänster")
    return render_template("client/offerings.html", referral=referral, choices=shown, total=len(everything),
                           areas=areas, languages=languages, chosen=chosen, current=current,
                           language_names=LANGUAGE_NAMES, max_compare=MAX_COMPARE)


def _offering_view(referral: Referral, offering_id: int) -> choice.Choice:
    today = _today()
    for c in choice.available_offerings(db.session, referral, today, secret=current_app.config["SECRET_KEY"],
                                        include_full=True):
        if c.offering.id == offering_id:
            return c
    abort(404)


def _offering_views(referral: Referral, offering_ids: list[int]) -> list[choice.Choice]:
    """The compared offerings in the order asked for, read together (one read, however many are
    compared); 404 when any of them is not one this client may choose."""
    everything = {c.offering.id: c for c in choice.available_offerings(
        db.session, referral, _today(), secret=current_app.config["SECRET_KEY"], include_full=True)}
    if any(oid not in everything for oid in offering_ids):
        abort(404)
    return [everything[oid] for oid in offering_ids]


def _results(provider_ids: list[int]) -> dict:
    return choice.provider_results(db.session, provider_ids, _today(),
                                   current_app.config["RESULTS_MIN_ENDED_PLACEMENTS"])


@bp.route("/beslut/<int:referral_id>/tjanster/<int:offering_id>")
@roles_required("client")
def offering(referral_id: int, offering_id: int):
    client, referral = _my_referral(referral_id)
    item = _offering_view(referral, offering_id)
    current = service.active_placement(_placements(referral), _today())
    _seen(client, "deltagare: tjänst")
    return render_template("client/offering.html", referral=referral, item=item, current=current,
                           results=_results([item.provider.id])[item.provider.id],
                           minimum=current_app.config["RESULTS_MIN_ENDED_PLACEMENTS"],
                           language_names=LANGUAGE_NAMES)


@bp.route("/beslut/<int:referral_id>/jamfor")
@roles_required("client")
def compare(referral_id: int):
    client, referral = _my_referral(referral_id)
    ids = [int(v) for v in request.args.getlist("o") if v.isdigit()][:MAX_COMPARE]
    if len(request.args.getlist("o")) > MAX_COMPARE:
        flash(_("Du kan jämföra högst tre tjänster. Vi visar de tre första."), "warning")
    items = _offering_views(referral, list(dict.fromkeys(ids)))
    if not items:
        flash(_("Välj två eller tre tjänster att jämföra."), "info")
        return redirect(url_for("deltagare.offerings", referral_id=referral.id))
    provider_ids = [i.provider.id for i in items]
    fair = fairness.fair_results(db.session, provider_ids, _today(),
                                 current_app.config["RESULTS_MIN_ENDED_PLACEMENTS"])
    results = _results(provider_ids)
    _seen(client, "deltagare: jämför")
    return render_template("client/compare.html", referral=referral, items=items, results=results, fair=fair,
                           minimum=current_app.config["RESULTS_MIN_ENDED_PLACEMENTS"],
                           language_names=LANGUAGE_NAMES)


@bp.route("/beslut/<int:referral_id>/tjanster/<int:offering_id>/valj", methods=["GET", "POST"])
@roles_required("client")
def choose(referral_id: int, offering_id: int):
    client, referral = _my_referral(referral_id)
    item = _offering_view(referral, offering_id)
    placements = _placements(referral)
    current = service.active_placement(placements, _today())
    form = forms.ChooseForm(offering_id=offering_id)
    if request.method == "GET" and current is not None:
        form.start_date.data = max(_today(), current.start_date + timedelta(days=1))
    if form.validate_on_submit():
        try:
            _choose_or_switch(client, referral, offering_id, current, form.start_date.data)
        except ValidationError as exc:
            db.session.rollback()
            message = client_error(exc)
            return render_template("client/choose.html", referral=referral, item=item, form=form,
                                   current=current, error=message), 409
        return redirect(url_for("deltagare.done", referral_id=referral.id))
    _seen(client, "deltagare: bekräfta val")
    switch_blocked = current is not None and choice.client_switches_used(placements) >= 1
    return render_template("client/choose.html", referral=referral, item=item, form=form, current=current,
                           switch_blocked=switch_blocked, error=None)


def _choose_or_switch(client, referral, offering_id, current, start_date):
    """A first choice, or a switch from the current placement from the date the client gave;
    the client's own action is access-logged and committed with it (one transaction)."""
    if current is None:
        choice.choose(db.session, referral, offering_id, chosen_by="client", actor_id=current_user.id,
                      today=_today())
    else:
        choice.switch(db.session, referral, offering_id, by="client", actor_id=current_user.id,
                      today=_today(), start_date=start_date)
    record_access(db.session, current_user.id, client.id, "deltagare: val")
    db.session.commit()


@bp.route("/beslut/<int:referral_id>/klart")
@roles_required("client")
def done(referral_id: int):
    client, referral = _my_referral(referral_id)
    current = service.active_placement(_placements(referral), _today())
    if current is None:
        return redirect(url_for("deltagare.offerings", referral_id=referral.id))
    offering_row = db.session.get(Offering, current.offering_id)
    provider = db.session.get(Provider, offering_row.provider_id)
    worker = db.session.get(User, referral.case_worker_id or client.case_worker_id or 0)
    _seen(client, "deltagare: klart")
    return render_template("client/done.html", referral=referral, placement=current, offering=offering_row,
                           provider=provider, worker=worker)


def _my_placement(placement_id: int) -> tuple[Client, Placement]:
    client = _me()
    placement = db.session.get(Placement, placement_id)
    referral = db.session.get(Referral, placement.referral_id) if placement else None
    if referral is None or referral.client_id != client.id:
        abort(404)
    return client, placement


@bp.route("/placering/<int:placement_id>/dagar")
@roles_required("client")
def my_days(placement_id: int):
    """The days the provider reported, month by month; a day can be marked "jag var inte där"."""
    client, placement = _my_placement(placement_id)
    months = disputes.months_reported(db.session, placement)
    month = request.args.get("manad", "")
    if month not in months:
        month = months[0] if months else ""
    days = disputes.days_of(db.session, placement, *period_bounds(month)) if month else []
    offering_row = db.session.get(Offering, placement.offering_id)
    provider = db.session.get(Provider, offering_row.provider_id)
    _seen(client, "deltagare: närvaro")
    return render_template("client/days.html", placement=placement, provider=provider,
                           months=[(m, period_bounds(m)[0]) for m in months],
                           month=month, days=days, form=forms.DisputeForm(),
                           month_first=period_bounds(month)[0] if month else None)


@bp.route("/placering/<int:placement_id>/dagar/<day>/inte-dar", methods=["POST"])
@roles_required("client")
def dispute_day(placement_id: int, day: str):
    client, placement = _my_placement(placement_id)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    form = forms.DisputeForm()
    form.validate_on_submit()
    try:
        disputes.dispute(db.session, placement, when, form.comment.data or "", current_user.id)
        record_access(db.session, current_user.id, client.id, "deltagare: inte där")
        db.session.commit()
        flash(_("Tack. Vi har sparat att du inte var där. Din handläggare går igenom det."), "success")
    except ValidationError as exc:
        db.session.rollback()
        flash(client_error(exc), "error")
    return redirect(url_for("deltagare.my_days", placement_id=placement.id, manad=day[:7]))


@bp.route("/mina-uppgifter")
@roles_required("client")
def my_data():
    client = _me()
    _seen(client, "deltagare: mina uppgifter")
    views = [row for row in service.access_log(db.session, client_id=client.id)
             if row[0].user_id != current_user.id]
    providers = {p.id: p for p in db.session.exec(select(Provider).where(
        Provider.id.in_({u.provider_id for _, u, _c in views if u is not None and u.provider_id}))).all()}
    return render_template("client/my_data.html", client=client, personal_id=service.full_id(client),
                           views=views, providers=providers, language_names=LANGUAGE_NAMES)


add_nav("client", "deltagare.overview", _l("Mitt val"), order=10)
add_nav("client", "deltagare.my_data", _l("Mina uppgifter"), order=20)
