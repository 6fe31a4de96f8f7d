"""Provider portal screens: apply, the admin's review queue, colleagues, documents, API tokens."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from app.auth.access import public, roles_required
from app.auth.models import User
from app.common.base import utcnow
from app.common.confirm import confirmed
from app.common.errors import ValidationError, ValidationErrors
from app.common.forms import show_error
from app.common.models import AuditLog
from app.common.nav import add_nav
from app.extensions import db, limiter
from app.providers import held_files, service
from app.providers.documents import Upload, document_path
from app.providers.forms import (
    DOCUMENT_LABELS,
    AcceptInvitationForm,
    ApplicationForm,
    DecisionForm,
    DocumentForm,
    InviteForm,
    TokenForm,
)
from app.providers.models import ApiToken, Provider, ProviderDocument

bp = Blueprint("providers", __name__, url_prefix="/anordnare")
admin_bp = Blueprint("provider_admin", __name__, url_prefix="/admin/anordnare")


def _base_url() -> str:
    return request.host_url.rstrip("/")


def _upload(form, kind: str) -> Upload:
    storage = getattr(form, f"{kind}_file").data
    data = storage.read() if storage else b""
    return Upload(kind=kind, filename=getattr(storage, "filename", "") or "", data=data,
                  expires_on=getattr(form, f"{kind}_expires").data)


# Application ---------------------------------------------------------------------------------

APPLICATION_FIELDS = ("org_nr", "name", "email", "contact_name", "phone", "address", "postal_code", "city",
                      "bankgiro", "plusgiro", "vat_number", "insurance", "description")


def _form_field(service_field: str) -> str:
    """The form field a service error names: documents.f_skatt -> f_skatt_file, its .expires_on -> _expires."""
    if service_field.startswith("documents."):
        kind = service_field.split(".")[1]
        return kind + ("_expires" if service_field.endswith("expires_on") else "_file")
    return service_field


def _show_errors(form, errors: list[ValidationError]) -> None:
    """Every error beside its field; a field WTForms already marked keeps its one message."""
    for exc in errors:
        target = getattr(form, _form_field(exc.field), None)
        if target is not None and hasattr(target, "errors"):
            if not target.errors:
                target.errors = [*target.errors, exc.message]
        else:
            form.form_errors.append(exc.message)


def _apply(application: service.Application, upload_dir: str) -> list[ValidationError]:
    """Store the application and commit; the errors if it was refused."""
    try:
        service.apply(db.session, application, upload_dir)
        db.session.commit()
    except ValidationErrors as exc:
        return exc.errors
    except ValidationError as exc:
        return [exc]
    return []


@bp.route("/ansok", methods=["GET", "POST"])
@public
@limiter.limit("30 per hour", methods=["POST"])  # each failed submit may hold files on the server
def apply():
    form = ApplicationForm()
    upload_dir = current_app.config["UPLOAD_DIR"]
    if request.method == "POST":
        form_ok = form.validate_on_submit()
        new_files = {kind: _upload(form, kind) for kind in DOCUMENT_LABELS}
        application = _application(form, new_files, upload_dir)
        errors = _apply(application, upload_dir) if form_ok else \
            service.check_application(db.session, application, utcnow().date())[1]  # every mistake at once
        if form_ok and not errors:
            held_files.release(session, upload_dir)
            return redirect(url_for("providers.applied"))
        db.session.rollback()
        _show_errors(form, errors)
        _hold_good_files(form, new_files, errors, upload_dir)
    status = 400 if request.method == "POST" else 200
    return render_template("providers/apply.html", form=form, documents=DOCUMENT_LABELS,
                           conditions=service.published_conditions(db.session),
                           held=held_files.held(session, upload_dir),
                           required=service.REQUIRED_DOCUMENTS), status


def _application(form: ApplicationForm, new_files: dict, upload_dir: str) -> service.Application:
    """The application as posted; a document not sent again is the one held from the last try,
    so a mistake elsewhere does not make the applicant upload every file anew."""
    uploads = [new if new.data else (held_files.take(session, upload_dir, kind, new.expires_on) or new)
               for kind, new in new_files.items()]
    return service.Application(
        **{name: (getattr(form, name).data or "") for name in APPLICATION_FIELDS},
        f_skatt=bool(form.f_skatt.data), service_types=form.service_types.data or [],
        documents=uploads, kind=form.kind.data or "company", iop=bool(form.iop.data))


def _hold_good_files(form: ApplicationForm, new_files: dict, errors: list, upload_dir: str) -> None:
    """Keep the new files that were not refused for the next try (never on a CSRF failure,
    where the post may not be the applicant's)."""
    if not getattr(getattr(form, "csrf_token", None), "errors", None):
        wrong = {e.field for e in errors}
        held_files.hold(session, upload_dir, [u for kind, u in new_files.items()
                                              if u.data and f"documents.{kind}" not in wrong])

@bp.route("/ansok/klar")
@public
def applied():
    return render_template("providers/applied.html")


@bp.route("/inbjudan/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    invitation = service.find_invitation(db.session, token)
    if invitation is None:
        return render_template("error.html", status=404,
                               message=_("Länken är ogiltig, redan använd eller för gammal.")), 404
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            service.accept_invitation(db.session, token, form.name.data, form.password.data)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash(_("Ditt konto är skapat. Logga in med din e-postadress."), "success")
            return redirect(url_for("auth.login"))
    provider = db.session.get(Provider, invitation.provider_id)
    return render_template("providers/accept.html", form=form, invitation=invitation,
                           provider=provider), 400 if request.method == "POST" else 200


# The provider's own pages -------------------------------------------------------------------------

def _own_provider() -> Provider:
    provider = db.session.get(Provider, current_user.provider_id)
    if provider is None:
        abort(403)
    return provider


@bp.route("/")
@roles_required("provider")
def overview():
    provider = _own_provider()
    main_id = service.main_user_id(db.session, provider.id)
    return render_template("providers/overview.html", provider=provider,
                           users=service.provider_users(db.session, provider.id),
                           is_main=main_id == current_user.id, invite_form=InviteForm())


@bp.route("/kollegor", methods=["POST"])
@roles_required("provider")
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            _inv, token = service.invite_colleague(db.session, current_user, form.email.data,
                                                   base_url=_base_url())
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(_("En inbjudan har skickats till %(email)s. Länken gäller i 7 dagar.",
                    email=form.email.data), "success")
    else:
        flash(_("Ange en e-postadress."), "error")
    return redirect(url_for("providers.overview"))


@bp.route("/kollegor/<int:user_id>/ta-bort", methods=["POST"])
@roles_required("provider")
def remove_user(user_id: int):
    try:
        user = service.remove_user(db.session, current_user, user_id)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(_("%(email)s har inte längre tillgång.", email=user.email), "success")
    return redirect(url_for("providers.overview"))


@bp.route("/dokument", methods=["GET", "POST"])
@roles_required("provider")
def documents():
    provider = _own_provider()
    form = DocumentForm()
    if form.validate_on_submit():
        storage = form.file.data
        upload = Upload(kind=form.kind.data, filename=getattr(storage, "filename", "") or "",
                        data=storage.read() if storage else b"", expires_on=form.expires_on.data)
        try:
            service.add_document(db.session, current_user, upload, current_app.config["UPLOAD_DIR"])
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            show_error(form, exc, {"file.expires_on": "expires_on"})
        else:
            flash(_("Dokumentet är uppladdat."), "success")
            return redirect(url_for("providers.documents"))
    return render_template("providers/documents.html", provider=provider, form=form,
                           docs=service.current_documents(db.session, provider.id),
                           labels=DOCUMENT_LABELS), 400 if request.method == "POST" else 200


def _send_document(doc: ProviderDocument | None):
    if doc is None:
        abort(404)
    path = document_path(doc, current_app.config["UPLOAD_DIR"])
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=doc.content_type, as_attachment=True, download_name=doc.filename)


@bp.route("/dokument/<int:doc_id>")
@roles_required("provider")
def document(doc_id: int):
    doc = db.session.get(ProviderDocument, doc_id)
    if doc is not None and doc.provider_id != current_user.provider_id:
        doc = None
    return _send_document(doc)


@bp.route("/api-nycklar", methods=["GET", "POST"])
@roles_required("provider")
def tokens():
    provider = _own_provider()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _token, new_token = service.create_token(db.session, current_user, form.name.data,
                                                     int(form.valid_days.data))
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            show_error(form, exc)
    rows = db.session.exec(select(ApiToken).where(ApiToken.provider_id == provider.id)
                           .order_by(ApiToken.created_at.desc())).all()
    status = 400 if request.method == "POST" and new_token is None else 200
    return render_template("providers/tokens.html", form=form, rows=rows, new_token=new_token,
                           provider=provider, now=utcnow().replace(tzinfo=None)), status


@bp.route("/api-nycklar/<int:token_id>/aterkalla", methods=["POST"])
@roles_required("provider")
def revoke_token(token_id: int):
    if not confirmed():
        flash(_("Bekräfta att nyckeln ska återkallas. Ett system som använder den slutar fungera."), "error")
        return redirect(url_for("providers.tokens"))
    try:
        service.revoke_token(db.session, current_user, token_id)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(_("Nyckeln är återkallad och fungerar inte längre."), "success")
    return redirect(url_for("providers.tokens"))


# The admin's review queue ----------------------------------------------------------------------

@admin_bp.route("/")
@roles_required("admin")
def queue():
    status = request.args.get("status", "applied")
    stmt = select(Provider).order_by(Provider.created_at, Provider.name)
    if status != "all":
        stmt = stmt.where(Provider.status == status)
    return render_template("providers/queue.html", providers=db.session.exec(stmt).all(), status=status)


@admin_bp.route("/<int:provider_id>", methods=["GET", "POST"])
@roles_required("admin")
def review(provider_id: int):
    provider = db.session.get(Provider, provider_id) or abort(404)
    form = DecisionForm()
    form.action.choices = [(action, text) for action, text in form.action.choices
                           if provider.status in service.DECISIONS[action][0]]  # only what the status allows
    if form.validate_on_submit() and _decide(provider, form):
        flash(_("Beslutet är registrerat och anordnaren har fått besked."), "success")
        return redirect(url_for("provider_admin.review", provider_id=provider.id))
    return render_template("providers/review.html", provider=provider, form=form, history=_history(provider),
                           docs=service.current_documents(db.session, provider.id),
                           users=service.provider_users(db.session, provider.id),
                           labels=DOCUMENT_LABELS, today=utcnow().date(),
                           document_problems=service.document_problems(db.session, provider.id, utcnow().date())), \
        400 if request.method == "POST" else 200


def _decide(provider: Provider, form: DecisionForm) -> bool:
    """Record the decision and tell the provider, in one transaction; a refusal goes on its field."""
    try:
        service.decide(db.session, provider, form.action.data, form.reason.data or "",
                       current_user.id, base_url=_base_url())
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        show_error(form, exc)
        return False
    return True


def _history(provider: Provider) -> list:
    """The provider's audit rows, newest first, with who acted: the reviewer sees earlier decisions."""
    return db.session.exec(select(AuditLog, User.email)
                           .join(User, User.id == AuditLog.user_id, isouter=True)
                           .where(AuditLog.entity == "provider", AuditLog.entity_id == provider.id)
                           .order_by(AuditLog.at.desc())).all()

@admin_bp.route("/<int:provider_id>/dokument/<int:doc_id>")
@roles_required("admin")
def document_for_admin(provider_id: int, doc_id: int):
    doc = db.session.get(ProviderDocument, doc_id)
    if doc is not None and doc.provider_id != provider_id:
        doc = None
    return _send_document(doc)


add_nav("provider", "providers.overview", _l("Vår organisation"), order=10)
add_nav("provider", "providers.tokens", _l("API-nycklar"), order=70)
add_nav("admin", "provider_admin.queue", _l("Anordnare"), order=20)
