"""Management's follow-up screens: key figures, budget against the frame and the bonus simulation.

The management role (ledning) reaches only these pages: aggregates, never a person's data.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.auth.access import roles_required
from app.common import i18n, paging
from app.common.errors import ValidationError
from app.common.labels import label
from app.common.nav import add_nav
from app.extensions import db
from app.followup import budget as budget_service
from app.followup import charts, export, figures, forms, jobs, service, simulation
from app.settlement import rules
from app.tasks import service as tasks
from app.tasks.models import Task

bp = Blueprint("followup", __name__, url_prefix="/uppfoljning")


@bp.app_template_global()
def figure_cell(cell: figures.Cell, kind: str) -> Markup:
    """A key figure's cell as the tables write it: "<5" when 1-4 people are behind it, "–" for no
    value, whole numbers for counts and amounts, one decimal otherwise."""
    return Markup(_cell_html(cell, kind, i18n.current_locale(), _hidden_html()))


@bp.app_template_global()
def figure_row(table: figures.FigureTable, span: str) -> Markup:
    """One row of a figure's table (a month or "ytd"): a cell per group. One call per row, not a
    macro per cell: the table by provider has thousands of cells, and a Jinja macro call per cell
    (with its locale and translation look-ups) was most of the page's time."""
    locale, hidden, cells, kind = i18n.current_locale(), _hidden_html(), table.cells, table.kind
    return Markup("".join(f'<td class="num">{_cell_html(cells[group, span], kind, locale, hidden)}</td>'
                          for group in table.groups))


def _hidden_html() -> str:
    return str(Markup('<abbr title="%s">&lt;5</abbr>') % _("färre än 5 personer, visas inte"))


def _cell_html(cell: figures.Cell, kind: str, locale: str, hidden: str) -> str:
    """The cell's HTML: a number's text is digits, separators and signs only, so it needs no escaping."""
    if cell.hidden:
        return hidden
    if cell.value is None:
        return "–"
    return i18n.fmt_number(cell.value, 0 if kind in ("count", "money") else 1, locale)


def _year() -> int:
    try:
        return forms.parse_year(request.values.get("year", ""))
    except ValidationError:
        return date.today().year


def _dashboard_args() -> tuple[int, str, str]:
    year = _year()
    this_month = rules.period_of(date.today())
    through = request.args.get("through", "").strip()
    if not (through.startswith(f"{year:04d}-") and _is_period(through)):
        through = this_month if this_month.startswith(f"{year:04d}-") else f"{year:04d}-12"
    dimension = request.args.get("dimension", "total")
    return year, through, dimension if dimension in figures.DIMENSIONS else "total"


def _is_period(text: str) -> bool:
    try:
        rules.period_bounds(text)
    except ValueError:
        return False
    return True


@bp.route("/")
@roles_required("admin", "finance", "management")
def index():
    year, through, dimension = _dashboard_args()
    view = service.dashboard(db.session, year, through, dimension, date.today(),
                             group_page=paging.page_number(request.args.get("sida")))
    return render_template("followup/dashboard.html", view=view, charts=_charts(view),
                           dimensions=figures.DIMENSIONS, external_codes=service.EXTERNAL_FIGURES)


def _charts(view: service.Dashboard) -> dict:
    """The dashboard's chart per key figure (its total per month) and per outside figure."""
    year, chart_of = view.year, {}
    for code, table in view.totals.items():
        target = view.targets.get(code)
        chart_of[code] = charts.figure_chart(
            label("key_figure", code), table.months, [table.cells["total", m] for m in table.months],
            target, _("mål %(year)s", year=year), _("Totalt per månad"))
    months = table.months
    for code in service.EXTERNAL_FIGURES:
        values = view.external.get(code, {})
        chart_of[code] = charts.stacked_bars(
            label("key_figure", code), [m[5:] for m in months],
            [(_("Per månad"), [values.get(m, Decimal(0)) for m in months])],
            view.targets.get(code), _("mål %(year)s", year=year))
    return chart_of


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(rows, name: str, fmt: str) -> Response:
    if fmt == "xlsx":
        return Response(export.to_xlsx(rows, name), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
    return Response(export.to_csv(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}.csv"})


@bp.route("/nyckeltal.<any(csv, xlsx):fmt>")
@roles_required("admin", "finance", "management")
def figures_export(fmt: str):
    year, through, dimension = _dashboard_args()
    view = service.dashboard(db.session, year, through, dimension, date.today())
    return _download(export.figures_rows(view.tables, dimension), f"nyckeltal-{through}", fmt)


@bp.route("/rapport", methods=["GET", "POST"])
@roles_required("admin", "finance", "management")
def report():
    """The committee's monthly report for `through`: made as a job, kept and listed here."""
    through = request.values.get("through", "").strip()
    if request.method == "POST" and _is_period(through):
        task = tasks.start(db.session, jobs.REPORT.name, current_user.id,
                           {"period": through, "as_of": date.today().isoformat()})
        return redirect(url_for("tasks.show", task_id=task.id))
    if request.method == "POST":
        flash(_("Ange månaden som ÅÅÅÅ-MM, till exempel 2026-10."), "error")
    if not _is_period(through):
        through = _dashboard_args()[1]
    return render_template("followup/report_jobs.html", through=through, kinds=tasks.KINDS,
                           earlier=tasks.recent(db.session, (jobs.REPORT.name,)))


@bp.route("/mal", methods=["GET", "POST"])
@roles_required("admin")
def targets():
    """The year's targets per key figure and the outside figures per month, on one form."""
    year = _year()
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = request.form
        if _save_targets(year, months, values, errors):
            flash(_("Mål och nyckeltal för %(year)s är sparade.", year=year), "success")
            return redirect(url_for("followup.index", year=year))
    else:
        values = _stored_targets(year)
    return render_template("followup/targets.html", year=year, months=months, values=values,
                           errors=errors, target_figures=service.TARGET_FIGURES,
                           external_codes=service.EXTERNAL_FIGURES), 400 if errors else 200


def _save_targets(year, months, values, errors):
    """Store the year's targets and the month's outside figures together (one transaction), or
    put the form's first refusal in `errors` under the field it names and store nothing."""
    try:
        target_values, external = forms.targets_form(values, service.TARGET_FIGURES,
                                                     service.EXTERNAL_FIGURES, months)
    except ValidationError as exc:
        errors[exc.field] = exc.message
        return False
    service.set_targets(db.session, year, target_values)
    for (code, month), value in external.items():
        service.set_external_figure(db.session, code, month, value)
    db.session.commit()
    return True


def _stored_targets(year):
    """The stored targets and outside figures under the form's field names, to edit them."""
    values = {f"target-{k}": str(v) for k, v in service.targets(db.session, year).items()}
    for code, by_month in service.external_figures(db.session, year).items():
        values.update({f"ext-{code}-{m}": str(v) for m, v in by_month.items()})
    return values


@bp.route("/budget")
@roles_required("admin", "finance", "management")
def budget():
    view = budget_service.budget(db.session, _year())
    total = view.total
    chart = charts.stacked_bars(
        _("Avräknat per månad (kr exkl. moms)"), [m[5:] for m in view.months],
        [(_("Godkänt"), [total.months[m][0] for m in view.months]),
         (_("Utkast"), [total.months[m][1] for m in view.months])],
        None if total.frame is None else total.frame / 12, _("ram per månad"))
    return render_template("followup/budget.html", view=view, chart=chart)


@bp.route("/budget.<any(csv, xlsx):fmt>")
@roles_required("admin", "finance", "management")
def budget_export(fmt: str):
    year = _year()
    return _download(export.budget_rows(budget_service.budget(db.session, year)), f"budget-{year}", fmt)


@bp.route("/budget/ramar", methods=["GET", "POST"])
@roles_required("admin")
def frames():
    year = _year()
    errors: dict[str, str] = {}
    values = {post: request.form.get(post, "") for post in budget_service.POSTS}
    if request.method == "POST":
        amounts = {}
        for post, raw in values.items():
            try:
                amounts[post] = forms.parse_amount(raw, post) if raw.strip() else None
            except ValidationError as exc:
                errors[exc.field] = exc.message
        if not errors:
            budget_service.set_frames(db.session, year, amounts)
            db.session.commit()
            flash(_("Ramarna för %(year)s är sparade.", year=year), "success")
            return redirect(url_for("followup.budget", year=year))
    else:
        values = {post: str(amount) for post, amount in budget_service.frames(db.session, year).items()}
    return render_template("followup/frames.html", year=year, values=values, errors=errors,
                           posts=budget_service.POSTS), 400 if errors else 200


def _simulation_defaults(terms: list) -> dict:
    """The form as first shown: the last three months, every stored rule as it is (or an earlier
    simulation's form, to change and run again)."""
    earlier = request.args.get("fran", "")
    task = db.session.get(Task, int(earlier)) if earlier.isdigit() else None
    if task is not None and task.kind == jobs.SIMULATION.name:
        return dict(task.params)
    last = rules.previous_period(rules.period_of(date.today()))
    return forms.simulation_defaults(terms, rules.previous_period(rules.previous_period(last)), last)


@bp.route("/simulering", methods=["GET", "POST"])
@roles_required("admin", "finance", "management")
def simulate():
    """Bonus rules and level rates tried on real months. The form is checked here; the simulation
    itself runs as a job, whose page shows the result. A simulation never writes."""
    stored = simulation.stored_rules(db.session)
    terms = [t for _r, t in stored]
    form = request.form if request.method == "POST" else _simulation_defaults(terms)
    error = None
    if request.method == "POST":
        try:
            forms.check_simulation(form, terms)
        except ValidationError as exc:
            error = exc
        else:
            params = {k: v for k, v in form.items() if k != "csrf_token"}
            task = tasks.start(db.session, jobs.SIMULATION.name, current_user.id, params)
            return redirect(url_for("tasks.show", task_id=task.id))
    return render_template("followup/simulation.html", stored=stored, form=form, error=error,
                           choices=forms.SIMULATION_CHOICES, earlier=tasks.recent(db.session, (jobs.SIMULATION.name,)),
                           kinds=tasks.KINDS), 400 if error else 200


@bp.route("/nivaer")
@roles_required("admin", "finance", "management")
def levels():
    """Parking made visible: activity, interruptions and results per provider and level."""
    view = service.levels(db.session, _year(), date.today())
    return render_template("followup/levels.html", year=view.year, tables=view.tables, view=view)


add_nav(("admin", "finance", "management"), "followup.index", _l("Uppföljning"), order=60)
