"""The committee's monthly report (månadsrapport till socialnämnden) as a PDF, with WeasyPrint."""
from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import gettext as _
from sqlmodel import Session

from app.common.labels import label
from app.config import BASE_DIR
from app.followup import budget, charts, service

# The figures the committee follows, in the report's order; every key figure is in the table.
CHARTED = ("active", "new", "results", "work_or_studies_90", "cost_per_result")


def report_context(session: Session, period: str, as_of: date) -> dict:
    year = int(period[:4])
    view = service.dashboard(session, year, period, "total", as_of)
    chart_of = {}
    for code in CHARTED:
        table = view.totals[code]
        chart_of[code] = charts.figure_chart(
            label("key_figure", code), table.months, [table.cells["total", m] for m in table.months],
            view.targets.get(code), _("mål %(year)s", year=year), _("Totalt per månad"))
    months = view.totals["active"].months
    for code in service.EXTERNAL_FIGURES:
        values = view.external.get(code, {})
        chart_of[code] = charts.stacked_bars(
            label("key_figure", code), [m[5:] for m in months],
            [(_("Per månad"), [values.get(m, 0) for m in months])],
            view.targets.get(code), _("mål %(year)s", year=year))
    return {"view": view, "period": period, "charts": chart_of, "charted": CHARTED,
            "external_codes": service.EXTERNAL_FIGURES, "budget": budget.budget(session, year),
            "made_on": as_of}


def render_report_pdf(session: Session, period: str, as_of: date) -> bytes:
    from weasyprint import HTML

    html = render_template("followup/report.html", **report_context(session, period, as_of))
    return HTML(string=html, base_url=str(BASE_DIR)).write_pdf()
