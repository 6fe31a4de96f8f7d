"""Case worker screens (/handlaggare), the no-choice alternative (/admin/ickeval) and the access log."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from app.auth.access import roles_required
from app.auth.models import User
from app.common import clock, paging
from app.common.audit import record_access, record_list_access
from app.common.errors import ValidationError
from app.common.forms import sentence, show_error
from app.common.nav import add_nav
from app.extensions import db
from app.kundval import (
    caselist,
    choice,
    disputes,
    followups,
    forms,
    handoff,
    levels,
    payroll,
    payroll_jobs,
    results,
    service,
)
from app.kundval.default_job import set_default
from app.kundval.models import (
    AttendanceDispute,
    Client,
    DefaultChoiceSetting,
    Outcome,
    Placement,
    Referral,
)
from app.offerings.models import SERVICE_TYPES, Offering
from app.providers.models import Provider
from app.tasks import service as tasks

bp = Blueprint("kundval", __name__)


def _today() -> date:
    return clock.today()


def _form_error(form, exc: ValidationError, aliases: dict | None = None) -> None:
    show_error(form, exc, aliases, as_sentence=True)


def _saved(form, aliases: dict | None, work, *args) -> bool:
    """Run one case-worker action and commit it (one transaction per action), or roll it back
    and show the refusal on the field it names; True when it was stored."""
    try:
        work(*args)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        _form_error(form, exc, aliases)
        return False
    return True


def _get(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    return row


def _seen(client: Client, page: str) -> None:
    record_access(db.session, current_user.id, client.id, page)
    db.session.commit()


# -- clients -------------------------------------------------------------------------------------

@bp.route("/handlaggare/deltagare", methods=["GET", "POST"])
@roles_required("case_worker")
def my_clients():
    """Filters, sorting and the page are in the URL; a search is POSTed, so no name or number is."""
    everyone = request.args.get("visa") == "alla"
    form = forms.CaseSearchForm()
    search = form.q.data if request.method == "POST" and form.validate_on_submit() else ""
    filter_name = caselist.FILTER_PARAMS.get(request.args.get("filter", ""), "")
    sort = caselist.SORT_PARAMS.get(request.args.get("sortera", ""), "priority")
    service_type = request.args.get("insats", "")
    page = paging.page_number(request.form.get("sida") if search else request.args.get("sida"))
    result = caselist.case_list(db.session, case_worker_id=None if everyone else current_user.id, today=_today(),
                                search=search or "", service_type=service_type, filter_name=filter_name,
                                sort=sort, page=page)
    record_list_access(db.session, current_user.id, {r.client.id for r in result.rows},
                       f"handläggare: lista med {len(result.rows)} deltagare")
    db.session.commit()
    return render_template("kundval/my_clients.html", result=result, everyone=everyone, form=form, search=search,
                           filter_name=filter_name, sort=sort, service_type=service_type,
                           filter_params={v: k for k, v in caselist.FILTER_PARAMS.items()},
                           sort_params={v: k for k, v in caselist.SORT_PARAMS.items()},
                           service_types=SERVICE_TYPES, today=_today())


@bp.route("/handlaggare/deltagare/sok", methods=["POST"])
@roles_required("case_worker")
def find_client():
    form = forms.FindClientForm()
    if form.validate_on_submit():
        try:
            found = service.find_client(db.session, form.personal_id.data)
        except ValidationError:
            flash(_("Ogiltigt personnummer eller samordningsnummer."), "error")
            return redirect(url_for("kundval.my_clients"))
        if found is not None:
            return redirect(url_for("kundval.client_page", client_id=found.id))
    flash(_("Ingen deltagare med det numret. Registrera deltagaren nedan."), "info")
    return redirect(url_for("kundval.new_client"))


@bp.route("/handlaggare/deltagare/ny", methods=["GET", "POST"])
@roles_required("case_worker")
def new_client():
    form = forms.ClientForm()
    form.area.choices = [("", _("Vet inte"))] + [(a, a) for a in service.offering_areas(db.session)]
    if form.validate_on_submit():
        try:
            client = service.register_client(
                db.session, personal_id=form.personal_id.data, name=form.name.data,
                newly_arrived=form.newly_arrived.data, children_in_household=form.children_in_household.data,
                language=form.language.data, phone=form.phone.data or "", case_worker_id=current_user.id,
                area=form.area.data or "", email=form.email.data or "",
                needs_interpreter=form.needs_interpreter.data)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            _form_error(form, exc)
        else:
            flash(_("Deltagaren är registrerad. Fatta ett beslut om insats."), "success")
            return redirect(url_for("kundval.new_referral", client_id=client.id))
    status = 400 if request.method == "POST" else 200
    return render_template("kundval/client_form.html", form=form, client=None), status


@bp.route("/handlaggare/deltagare/<int:client_id>/andra", methods=["GET", "POST"])
@roles_required("case_worker")
def edit_client(client_id: int):
    client = _get(Client, client_id)
    form = forms.EditClientForm(obj=client)
    form.area.choices = [("", _("Vet inte"))] + [(a, a) for a in service.offering_areas(db.session)]
    if form.validate_on_submit():
        try:
            service.update_client(db.session, client, actor_id=current_user.id,
                                  **{name: getattr(form, name).data for name in service.CONTACT_FIELDS})
            record_access(db.session, current_user.id, client.id, "handläggare: ändra uppgifter")
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            _form_error(form, exc)
        else:
            flash(_("Uppgifterna är sparade."), "success")
            return redirect(url_for("kundval.client_page", client_id=client.id))
    else:
        _seen(client, "handläggare: ändra uppgifter")
    status = 400 if request.method == "POST" else 200
    return render_template("kundval/client_form.html", form=form, client=client), status


@bp.route("/handlaggare/deltagare/<int:client_id>")
@roles_required("case_worker")
def client_page(client_id: int):
    client = _get(Client, client_id)
    history = service.client_history(db.session, client)
    pids = [p.id for _, ps in history for p in ps]
    offerings = {o.id: (o, pr) for o, pr in db.session.exec(
        select(Offering, Provider).join(Provider, Provider.id == Offering.provider_id)
        .where(Offering.id.in_({p.offering_id for _, ps in history for p in ps}))).all()} if pids else {}
    outcomes = db.session.exec(select(Outcome).where(Outcome.placement_id.in_(pids))).all() if pids else []
    worker = db.session.get(User, client.case_worker_id) if client.case_worker_id else None
    assessments = levels.assessments_for(db.session, [r.id for r, _ps in history])
    disputed_days = disputes.open_disputes(db.session, client_id=client.id)
    overdue = set(db.session.exec(select(Placement.id).where(
        Placement.id.in_(pids), handoff.no_first_meeting(_today()))).all()) if pids else set()
    _seen(client, "handläggare: deltagare")
    return render_template("kundval/client.html", client=client, masked=service.masked_id(client),
                           history=history, offerings=offerings, outcomes=outcomes, worker=worker,
                           today=_today(), end_form=forms.EndPlacementForm(formdata=None, ended_on=_today()),
                           switch_count=choice.client_switches_used, overdue=overdue,
                           assessments=assessments, disputed_days=disputed_days,
                           level_names=levels.LEVEL_NAMES, language_names=dict(forms.LANGUAGE_CHOICES))


@bp.route("/handlaggare/deltagare/<int:client_id>/atkomstlogg")
@roles_required("case_worker")
def client_access_log(client_id: int):
    """Who has seen this client's data: for the client's own case worker."""
    client = _get(Client, client_id)
    if client.case_worker_id != current_user.id:
        abort(404)
    page = service.access_log_page(db.session, paging.page_number(request.args.get("sida")), client_id=client.id)
    _seen(client, "handläggare: åtkomstlogg")
    return render_template("kundval/client_access_log.html", client=client, page=page)


@bp.route("/handlaggare/deltagare/<int:client_id>/kod", methods=["POST"])
@roles_required("case_worker")
def login_code(client_id: int):
    client = _get(Client, client_id)
    ttl = timedelta(hours=current_app.config["CLIENT_CODE_TTL_HOURS"])
    code = service.issue_login_code(db.session, client, actor_id=current_user.id, ttl=ttl)
    record_access(db.session, current_user.id, client.id, "handläggare: inloggningskod")
    db.session.commit()
    # Shown once, never flashed: the session cookie is signed, not encrypted. The link carries the
    # code after "#", which browsers never send: it stays out of URLs in logs (login-code.js).
    return render_template("kundval/login_code.html", client=client, code=code, hours=ttl.total_seconds() // 3600,
                           link=url_for("deltagare.login", _external=True, _anchor="kod=" + code.replace("-", "")))


def _assessment_settings():
    return levels.load_settings(current_app.config)


def _answers(form, settings) -> dict:
    return {q.key: getattr(form, f"q_{q.key}").data or "" for q in settings.questions}


@bp.route("/handlaggare/deltagare/<int:client_id>/beslut/nytt", methods=["GET", "POST"])
@roles_required("case_worker")
def new_referral(client_id: int):
    client = _get(Client, client_id)
    try:
        settings = _assessment_settings()
    except (OSError, ValueError) as exc:
        current_app.logger.error("LEVEL_ASSESSMENT_FILE: %s", exc)
        flash(_("Inställningen för nivåbedömningen är felaktig. Kontakta administratören."), "error")
        return redirect(url_for("kundval.client_page", client_id=client.id))
    form = forms.referral_form_class(settings)()
    if request.method == "GET":
        form.valid_from.data = _today()
        form.valid_to.data = _today() + timedelta(days=90)
    if form.validate_on_submit():
        if _saved(form, None, _create_referral, client, form, settings):
            flash(_("Beslutet är sparat. Ge deltagaren en inloggningskod så att hen kan välja."), "success")
            return redirect(url_for("kundval.client_page", client_id=client.id))
    else:
        _seen(client, "handläggare: nytt beslut")
    return _referral_form_page(form, client, settings), 400 if request.method == "POST" else 200


def _create_referral(client: Client, form, settings) -> None:
    """The decision and its level assessment are one action: a referral is never stored
    without the level its payment depends on."""
    referral = service.create_referral(
        db.session, client, service_type=form.service_type.data, valid_from=form.valid_from.data,
        valid_to=form.valid_to.data, max_hours_per_week=form.max_hours_per_week.data,
        choice_deadline=form.choice_deadline.data, decided_on=_today(), case_worker_id=current_user.id,
        deadline_days=current_app.config["CHOICE_DEADLINE_WORKING_DAYS"])
    levels.assess(db.session, referral, settings, answers=_answers(form, settings),
                  level=form.level.data or None, reason=form.level_reason.data or "",
                  actor_id=current_user.id)
    record_access(db.session, current_user.id, client.id, "handläggare: nytt beslut")


def _referral_form_page(form, client: Client, settings) -> str:
    """The form with the points so far and, once every question is answered, the level the
    answers suggest (the case worker may still choose another with a reason)."""
    points = levels.partial_score(settings, _answers(form, settings))
    complete = all(_answers(form, settings).values())
    return render_template("kundval/referral_form.html", form=form, client=client, settings=settings,
                           points=points, suggestion=settings.suggest(points) if complete else None,
                           deadline_days=current_app.config["CHOICE_DEADLINE_WORKING_DAYS"])
@bp.route("/handlaggare/beslut/<int:referral_id>/andra", methods=["GET", "POST"])
@roles_required("case_worker")
def correct_referral(referral_id: int):
    referral = _get(Referral, referral_id)
    client = _get(Client, referral.client_id)
    form = forms.CorrectReferralForm(obj=referral if request.method == "GET" else None)
    if form.validate_on_submit():
        if _saved(form, {"referral": "reason"}, _correct_referral, referral, client, form):
            flash(_("Beslutet är ändrat."), "success")
            return redirect(url_for("kundval.client_page", client_id=client.id))
    else:
        _seen(client, "handläggare: ändra beslut")
    return render_template("kundval/referral_correct.html", form=form, referral=referral, client=client), \
        400 if request.method == "POST" else 200


def _correct_referral(referral: Referral, client: Client, form) -> None:
    """Correct the decision's dates and hours; the service keeps the reason in the history."""
    service.correct_referral(db.session, referral, valid_from=form.valid_from.data,
                             valid_to=form.valid_to.data, max_hours_per_week=form.max_hours_per_week.data,
                             choice_deadline=form.choice_deadline.data, reason=form.reason.data,
                             actor_id=current_user.id)
    record_access(db.session, current_user.id, client.id, "handläggare: ändra beslut")


@bp.route("/handlaggare/beslut/<int:referral_id>/aterkalla", methods=["GET", "POST"])
@roles_required("case_worker")
def withdraw_referral(referral_id: int):
    """A page of its own, so withdrawing is always confirmed with a reason."""
    referral = _get(Referral, referral_id)
    client = _get(Client, referral.client_id)
    form = forms.WithdrawReferralForm()
    placements = db.session.exec(select(Placement).where(Placement.referral_id == referral.id)).all()
    current = service.active_placement(placements, _today())
    if form.validate_on_submit():
        if _saved(form, {"referral": "reason"}, _withdraw_referral, referral, client, form):
            flash(_("Beslutet är återkallat."), "success")
            return redirect(url_for("kundval.client_page", client_id=client.id))
    else:
        _seen(client, "handläggare: återkalla beslut")
    return render_template("kundval/referral_withdraw.html", form=form, referral=referral, client=client,
                           current=current), 400 if request.method == "POST" else 200


def _withdraw_referral(referral: Referral, client: Client, form) -> None:
    """Withdraw the decision (ending a running placement) with the case worker's reason."""
    service.withdraw_referral(db.session, referral, reason=form.reason.data, actor_id=current_user.id,
                              today=_today())
    record_access(db.session, current_user.id, client.id, "handläggare: återkalla beslut")


def _referral_choices(referral: Referral, today: date):
    return choice.available_offerings(db.session, referral, today, secret=current_app.config["SECRET_KEY"])


@bp.route("/handlaggare/beslut/<int:referral_id>/placera", methods=["GET", "POST"])
@roles_required("case_worker")
def place(referral_id: int):
    """Choose on the client's behalf, or switch provider when a placement is running."""
    referral = _get(Referral, referral_id)
    client = _get(Client, referral.client_id)
    today = _today()
    placements = db.session.exec(select(Placement).where(Placement.referral_id == referral.id)).all()
    current = service.active_placement(placements, today)
    form = forms.OfferingPickForm()
    form.offering_id.choices = [(c.offering.id, f"{c.offering.title} – {c.provider.name} ({c.offering.area})")
                                for c in _referral_choices(referral, today)
                                if current is None or c.offering.id != current.offering_id]
    if form.validate_on_submit():
        if _saved(form, {"offering": "offering_id", "referral": "offering_id"},
                  _place, referral, client, current, form, today):
            flash(_("Placeringen är registrerad."), "success")
            return redirect(url_for("kundval.client_page", client_id=client.id))
    else:
        _seen(client, "handläggare: placera")
    status = 400 if request.method == "POST" else 200
    return render_template("kundval/place.html", form=form, referral=referral, client=client,
                           current=current), status


def _place(referral: Referral, client: Client, current: Placement | None, form, today: date) -> None:
    """A first choice on the client's behalf, or a switch from the running placement."""
    if current is None:
        choice.choose(db.session, referral, form.offering_id.data, chosen_by="case_worker",
                      actor_id=current_user.id, today=today)
    else:
        choice.switch(db.session, referral, form.offering_id.data, by="case_worker",
                      actor_id=current_user.id, today=today, start_date=form.start_date.data)
    record_access(db.session, current_user.id, client.id, "handläggare: placera")


@bp.route("/handlaggare/placering/<int:placement_id>/avsluta", methods=["POST"])
@roles_required("case_worker")
def end_placement(placement_id: int):
    placement = _get(Placement, placement_id)
    referral = _get(Referral, placement.referral_id)
    form = forms.EndPlacementForm()
    if form.validate_on_submit():
        try:
            choice.end_placement(db.session, placement, reason=form.end_reason.data, ended_on=form.ended_on.data,
                                 actor_id=current_user.id)
            db.session.commit()
            flash(_("Placeringen är avslutad."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(sentence(exc.message), "error")
    else:
        flash(_("Fyll i skäl och sista dag."), "error")
    return redirect(url_for("kundval.client_page", client_id=referral.client_id))


@bp.route("/handlaggare/narvaro/<int:dispute_id>/<action>", methods=["POST"])
@roles_required("case_worker")
def resolve_dispute(dispute_id: int, action: str):
    """A disputed day: the provider corrects it ("ratta") or the report stands ("star-fast")."""
    row = _get(AttendanceDispute, dispute_id)
    resolution = {"ratta": "correct", "star-fast": "confirmed"}.get(action)
    if resolution is None:
        abort(404)
    referral = _get(Referral, _get(Placement, row.placement_id).referral_id)
    try:
        disputes.resolve(db.session, row, resolution, _today(), current_user.id)
        record_access(db.session, current_user.id, referral.client_id, "handläggare: ifrågasatt närvaro")
        db.session.commit()
        flash(_("Anordnaren ombeds rätta dagen.") if resolution == "correct"
              else _("Rapporten står fast. Anordnaren får besked."), "success")
    except ValidationError as exc:
        db.session.rollback()
        flash(sentence(exc.message), "error")
    return redirect(url_for("kundval.client_page", client_id=referral.client_id))


# -- results -------------------------------------------------------------------------------------

@bp.route("/handlaggare/resultat")
@roles_required("case_worker")
def outcomes():
    everyone = request.args.get("visa") == "alla"
    worker = None if everyone else current_user.id
    page = results.to_verify_page(db.session, worker, paging.page_number(request.args.get("sida")))
    pending = page.rows
    due_page = followups.due_page(db.session, _today(), worker, paging.page_number(request.args.get("uppfoljningar")))
    due = due_page.rows
    no_pay, no_pay_evidence = payroll.without_pay(db.session, worker)
    evidence = {**payroll.evidence_for(db.session, pending + due), **no_pay_evidence}
    record_list_access(db.session, current_user.id, {r.client.id for r in pending + due + no_pay},
                       "handläggare: resultat")
    db.session.commit()
    return render_template("kundval/outcomes.html", pending=pending, page=page, due=due, due_page=due_page,
                           everyone=everyone, no_pay=no_pay, evidence=evidence,
                           form=forms.OutcomeDecisionForm(), today=_today())


@bp.route("/handlaggare/uppfoljning/<int:placement_id>/<kind>", methods=["POST"])
@roles_required("case_worker")
def record_followup(placement_id: int, kind: str):
    placement = _get(Placement, placement_id)
    referral = _get(Referral, placement.referral_id)
    forms.OutcomeDecisionForm().validate_on_submit()  # the CSRF check
    try:
        followups.record(db.session, placement, kind=kind, answer=request.form.get("answer", ""),
                         actor_id=current_user.id, today=_today())
        record_access(db.session, current_user.id, referral.client_id, "handläggare: uppföljning")
        db.session.commit()
        flash(_("Uppföljningen är sparad."), "success")
    except ValidationError as exc:
        db.session.rollback()
        flash(sentence(exc.message), "error")
    page = paging.page_number(request.args.get("uppfoljningar"))  # back to the page the answer was on
    return redirect(url_for("kundval.outcomes", visa=request.args.get("visa") or None,
                            uppfoljningar=page if page > 1 else None))


@bp.route("/handlaggare/resultat/<int:outcome_id>/<action>", methods=["POST"])
@roles_required("case_worker")
def decide_outcome(outcome_id: int, action: str):
    outcome = _get(Outcome, outcome_id)
    form = forms.OutcomeDecisionForm()
    form.validate_on_submit()
    try:
        if action == "verifiera":
            results.verify(db.session, outcome, on=_today(), actor_id=current_user.id)
            message = _("Resultatet är verifierat.")
        elif action == "avvisa":
            results.reject(db.session, outcome, on=_today(), reason=form.reason.data or "",
                           actor_id=current_user.id)
            message = _("Resultatet är avvisat.")
        else:
            abort(404)
        db.session.commit()
        flash(message, "success")
    except ValidationError as exc:
        db.session.rollback()
        flash(sentence(exc.message), "error")
    return redirect(url_for("kundval.outcomes", visa=request.args.get("visa") or None))


@bp.route("/lonedata", methods=["GET", "POST"])
@roles_required("finance", "case_worker")
def payroll_upload():
    """Employer declarations (exchange.md, "Payroll file"): read here, imported as a job."""
    form = forms.PayrollUploadForm()
    if form.validate_on_submit():
        try:
            text = _uploaded_text(form.file.data)
        except ValidationError as exc:
            form.file.errors.append(sentence(exc.message))
        else:
            task = tasks.start(db.session, payroll_jobs.KIND.name, current_user.id,
                               {"today": _today().isoformat(), "actor_id": current_user.id}, text)
            return redirect(url_for("tasks.show", task_id=task.id))
    return render_template("kundval/payroll_upload.html", form=form, header=";".join(payroll.HEADER),
                           earlier=tasks.recent(db.session, (payroll_jobs.KIND.name,)),
                           kinds=tasks.KINDS), 400 if request.method == "POST" else 200


def _uploaded_text(upload) -> str:
    """The uploaded file as text; refused on the file field when none was chosen or it is not
    UTF-8 (a byte-order mark, as Excel writes it, is allowed)."""
    if not upload or not upload.filename:
        raise ValidationError("file", _l("välj en fil"))
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("file", _l("filen är inte UTF-8")) from None


# -- admin: the no-choice alternative and the access log ---------------------------------------------

@bp.route("/admin/ickeval", methods=["GET", "POST"])
@roles_required("admin")
def default_choice():
    settings = {s.service_type: s for s in db.session.exec(select(DefaultChoiceSetting)).all()}
    offerings = db.session.exec(select(Offering, Provider).join(Provider, Provider.id == Offering.provider_id)
                                .where(Offering.status == "published")
                                .order_by(Offering.service_type, Offering.title)).all()
    form = forms.DefaultChoiceForm()
    if form.validate_on_submit():
        service_type = request.form.get("service_type", "")
        if service_type not in SERVICE_TYPES:
            abort(400)
        try:
            set_default(db.session, service_type, form.mode.data, form.offering_id.data, current_user.id)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            flash(sentence(exc.message), "error")
        else:
            flash(_("Ickevalsalternativet är sparat."), "success")
        return redirect(url_for("kundval.default_choice"))
    return render_template("kundval/default_choice.html", settings=settings, offerings=offerings,
                           service_types=SERVICE_TYPES, form=form)


@bp.route("/admin/atkomstlogg", methods=["GET", "POST"])
@roles_required("admin")
def access_log():
    # POST, so that a searched personnummer never ends up in a URL or a server log.
    form = forms.AccessLogSearchForm()
    client_id = user_id = None
    searched = False
    if form.validate_on_submit():
        searched = True
        try:
            if form.personal_id.data:
                found = service.find_client(db.session, form.personal_id.data)
                client_id = found.id if found else -1
        except ValidationError:
            form.personal_id.errors.append(_("Ogiltigt personnummer eller samordningsnummer."))
            client_id = -1
        if form.user_email.data:
            user = db.session.exec(select(User).where(User.email == form.user_email.data.strip().lower())).first()
            user_id = user.id if user else -1
    number = paging.page_number(request.form.get("sida") if searched else request.args.get("sida"))
    page = service.access_log_page(db.session, number, client_id=client_id, user_id=user_id,
                                   since=form.since.data if searched else None,
                                   until=form.until.data if searched else None)
    return render_template("kundval/access_log.html", form=form, page=page, searched=searched)


add_nav("case_worker", "kundval.my_clients", _l("Mina deltagare"), order=10)
add_nav("case_worker", "kundval.new_client", _l("Ny deltagare"), order=20)
add_nav("case_worker", "kundval.outcomes", _l("Resultat"), order=30)
add_nav("case_worker", "kundval.payroll_upload", _l("Lönedata"), order=35)
add_nav("finance", "kundval.payroll_upload", _l("Lönedata"), order=70)
add_nav("admin", "kundval.default_choice", _l("Ickevalsalternativ"), order=60)
add_nav("admin", "kundval.access_log", _l("Åtkomstlogg"), order=85)
