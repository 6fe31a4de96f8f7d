"""Reporting screens for provider users: the month grid, submitting the month, results."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app.auth.access import roles_required
from app.common import clock, paging
from app.common.audit import record_list_access
from app.common.errors import ValidationError
from app.common.forms import show_error
from app.common.nav import add_nav
from app.extensions import db
from app.kundval import results
from app.kundval.service import clients_of_referrals
from app.providers.models import Provider
from app.reporting import cells
from app.reporting import grid as grid_service
from app.reporting.forms import OutcomeForm
from app.settlement import late_changes

bp = Blueprint("reporting", __name__, url_prefix="/rapportering")
bp.add_app_template_global(cells.row_cells_html, "grid_cells")


@bp.before_request
def _terminated_providers_see_no_clients():
    """A terminated provider's users see no client data here, as the API already refuses them."""
    if not current_user.is_authenticated or current_user.role != "provider":
        return None
    provider = db.session.get(Provider, current_user.provider_id) if current_user.provider_id else None
    if provider is not None and provider.status == "terminated":
        db.session.rollback()
        return render_template("error.html", status=403, message=_(
            "Avtalet med er är avslutat. Ni kan inte längre se eller rapportera för deltagare.")), 403
    return None


def _period_or_404(period: str | None) -> str:
    period = period or grid_service.period_of(clock.today())
    try:
        grid_service.month_bounds(period)
    except ValidationError:
        abort(404)
    return period


def cells_from_form(form, rows) -> tuple[dict, dict]:
    """The posted cells `c-<placement id>-<yyyy-mm-dd>`, parsed; errors name the cell."""
    known = {row.placement_id: row for row in rows}
    wanted, fields = {}, {}
    for name, value in form.items():
        if not name.startswith("c-"):
            continue
        try:
            _c, pid, day = name.split("-", 2)
            key = (int(pid), date.fromisoformat(day))
        except ValueError:
            continue
        row = known.get(key[0])
        fields[key] = name
        label = f"{row.client_name} {day}" if row else name
        try:
            wanted[key] = grid_service.parse_cell(value, name)
        except ValidationError as exc:
            raise ValidationError(name, _l("%(label)s: %(message)s", label=label, message=exc._message)) from None
    return wanted, fields


def _seen(rows, page: str) -> None:
    """One access-log row for a page listing these placements' clients."""
    record_list_access(db.session, current_user.id, clients_of_referrals(db.session, [r.referral_id for r in rows]),
                       page)
    db.session.commit()


def _grid_filters() -> dict:
    """The page's search, missing-days filter and page from the query string (never a personnummer)."""
    search = request.args.get("q", "").strip()[:100]
    if looks_like_personal_id(search):
        search = ""
    page = request.args.get("sida", "1")
    return {"search": search, "missing": request.args.get("saknas") == "1",
            "page": int(page) if page.isdigit() and len(page) < 7 else 1}


def _grid_args(filters: dict, page: int | None = None) -> dict:
    args = {"q": filters["search"] or None, "saknas": "1" if filters["missing"] else None,
            "sida": page if page and page > 1 else None}
    return {k: v for k, v in args.items() if v is not None}


def looks_like_personal_id(text: str) -> bool:
    """Six digits or more and no letters: a personnummer (or part of one), never searched for."""
    return sum(ch.isdigit() for ch in text) >= 6 and not any(ch.isalpha() for ch in text)


@bp.route("/", methods=["GET", "POST"])
@bp.route("/<period>", methods=["GET", "POST"])
@roles_required("provider")
def grid(period: str | None = None):
    period = _period_or_404(period)
    provider_id = current_user.provider_id
    filters = _grid_filters()
    errors, status = {}, 200
    if request.method == "POST":
        try:
            changed = _save_grid(provider_id, period)
        except ValidationError as exc:
            db.session.rollback()
            errors[exc.field] = exc.message
            status = 400
        else:
            flash(ngettext("Närvaron är sparad (%(num)s ändring).", "Närvaron är sparad (%(num)s ändringar).",
                           changed), "success")
            return redirect(url_for("reporting.grid", period=period,
                                    **_grid_args(filters, filters["page"])))
    return _grid_page(provider_id, period, filters, errors), status


def _save_grid(provider_id: int, period: str) -> int:
    """Store the posted cells of the provider's own placements (only those posted are read, so
    a page of the grid saves without loading the month) and return how many changed."""
    first, last = grid_service.month_bounds(period)
    posted_ids = posted_placement_ids(request.form)
    rows = grid_service.provider_placements(db.session, provider_id, first, last,
                                            placement_ids=posted_ids) if posted_ids else []
    wanted, fields = cells_from_form(request.form, rows)
    changed = grid_service.apply_changes(db.session, provider_id, period, wanted, fields,
                                         current_user.id, request.form.get("reason", ""))
    db.session.commit()
    return changed


def _grid_page(provider_id: int, period: str, filters: dict, errors: dict) -> str:
    """The month's grid (access-logged for the clients shown); after a refusal the posted values
    are shown again so nothing typed is lost."""
    month = grid_service.month_grid(db.session, provider_id, period, **filters)
    _seen(month.rows, f"anordnare: närvaro {period}")
    posted = request.form if errors else {}
    return render_template("reporting/grid.html", month=month, errors=errors, posted=posted,
                           totals=grid_service.week_totals(month.rows),
                           prev=grid_service.previous_period(period),
                           next=grid_service.next_period(period), today=clock.today(),
                           filter_args=_grid_args(filters),
                           page_args={n: _grid_args(filters, n) for n in
                                      (month.page - 1, month.page, month.page + 1)},
                           settled=late_changes.is_settled(db.session, provider_id, period))


def posted_placement_ids(form) -> set[int]:
    """The placements a posted grid page has cells for; at most a page's worth is read."""
    ids = set()
    for name in form:
        parts = name.split("-", 2)
        if len(parts) == 3 and parts[0] == "c" and parts[1].isdigit() and len(parts[1]) < 12:
            ids.add(int(parts[1]))
    if len(ids) > grid_service.PAGE_SIZE * 4:
        raise ValidationError("grid", _("Spara en sida i taget."))
    return ids


@bp.route("/<period>/sok", methods=["POST"])
@roles_required("provider")
def search(period: str):
    """The search box posts here, so a personnummer typed into it never reaches a URL."""
    period = _period_or_404(period)
    args = _grid_args({"search": _posted_search(), "missing": request.form.get("saknas") == "1"})
    return redirect(url_for("reporting.grid", period=period, **args))


@bp.route("/<period>/klar", methods=["POST"])
@roles_required("provider")
def submit(period: str):
    period = _period_or_404(period)
    try:
        grid_service.submit_month(db.session, current_user.provider_id, period, current_user.id)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(_("%(p)s är markerad som rapporterad. Senare ändringar kräver ett skäl.", p=period), "success")
    return redirect(url_for("reporting.grid", period=period))


@bp.route("/resultat", methods=["GET", "POST"])
@roles_required("provider")
def outcomes():
    provider_id, today = current_user.provider_id, clock.today()
    form = OutcomeForm()
    choices = _placement_choices(provider_id, today, form.placement.data if request.method == "POST" else "")
    form.placement.choices = [(r.ref, f"{r.client_name} – {r.offering_title} ({r.ref})") for r in choices.rows]
    if form.validate_on_submit() and _report_outcome(provider_id, form, today):
        flash(_("Resultatet är rapporterat. Handläggaren verifierar det."), "success")
        return redirect(url_for("reporting.outcomes"))
    _seen(choices.rows, "anordnare: resultat")
    page = results.provider_outcomes_page(db.session, provider_id, paging.page_number(request.args.get("sida")))
    return render_template("reporting/outcomes.html", form=form, outcomes=page.rows, page=page, choices=choices,
                           status_of=results.outcome_status), 400 if request.method == "POST" else 200


@dataclass
class _Choices:
    rows: list  # the placements the form offers
    total: int  # how many match the search in all
    search: str


def _placement_choices(provider_id: int, today: date, posted_ref: str) -> _Choices:
    """The placements running in the last year that match the page's search, a page of them (a
    provider with thousands got them all as options), and the one just posted if it is not among
    them; an older placement's ref is still accepted (validate_choice off)."""
    search = _grid_filters()["search"]
    first = today - timedelta(days=365)
    rows, total = grid_service.placement_choices(db.session, provider_id, first, today, search=search)
    if posted_ref and all(r.ref != posted_ref for r in rows):
        rows += grid_service.provider_placements(db.session, provider_id, first, today, ref=posted_ref[:64])
    return _Choices(rows, total, search)


@bp.route("/resultat/sok", methods=["POST"])
@roles_required("provider")
def outcome_search():
    """The results form's placement search posts here, as the grid's, to keep a personnummer out of URLs."""
    return redirect(url_for("reporting.outcomes", q=_posted_search() or None))


def _posted_search() -> str:
    """The posted search text; a personnummer is refused with a message, never searched for."""
    text = request.form.get("q", "").strip()[:100]
    if looks_like_personal_id(text):
        flash(_("Sök på deltagarens namn eller placeringens referens, inte personnummer."), "error")
        return ""
    return text


def _report_outcome(provider_id: int, form: OutcomeForm, today: date) -> bool:
    """Report the result for the case worker to verify, in one transaction; a refusal goes on its field."""
    try:
        results.report_outcome(db.session, provider_id, form.placement.data, form.kind.data,
                               form.result_date.data, form.employer.data, form.extent.data,
                               form.employment_form.data or "", current_user.id, today,
                               reason=form.reason.data or "")
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        show_error(form, exc)
        return False
    return True

add_nav("provider", "reporting.grid", _l("Närvaro"), order=30)
add_nav("provider", "reporting.outcomes", _l("Resultat"), order=40)
