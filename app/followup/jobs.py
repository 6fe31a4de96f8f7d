"""Follow-up's long work as jobs on the queue: the bonus simulation and the committee's report."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from app.common.money import money
from app.followup import forms, simulation
from app.tasks.service import Job, Kind, Outcome, register

ROLES = ("admin", "finance", "management")


def run_simulation(session: Session, job: Job) -> Outcome:
    """The simulation of the form kept in params; nothing is written (the session is rolled back)."""
    params = job.params
    first, last = params.get("first", "").strip(), params.get("last", "").strip()
    steps = len(simulation.months_between(first, last)) + 1  # loading, then each month
    job.progress(0, steps)
    try:
        stored = simulation.stored_rules(session)
        chosen = forms.simulated_rules(params, [terms for _r, terms in stored])
        result = simulation.simulate(session, first, last, chosen, forms.level_prices(params),
                                     progress=lambda done, months: job.progress(done + 1, months + 1))
    finally:
        session.rollback()  # a simulation never writes
    job.progress(steps, steps)
    return Outcome(simulation_to_json(result))


def simulation_to_json(result: simulation.Simulation) -> dict:
    def plain(value):
        return str(value) if isinstance(value, Decimal) else value

    prices = result.level_prices
    return {"first": result.first, "last": result.last, "months": list(result.months),
            "rows": [{k: plain(v) for k, v in dataclasses.asdict(row).items()} for row in result.rows],
            "levels": [{k: plain(v) for k, v in dataclasses.asdict(row).items()} for row in result.levels],
            "level_prices": None if prices is None else {
                "percent": {level: str(pct) for level, pct in prices.percent.items()},
                "service_types": list(prices.service_types)}}


def simulation_from_json(data: dict) -> simulation.Simulation:
    """The kept figures as the Simulation the result template shows (amounts back to Decimal)."""
    amounts = {f.name for f in dataclasses.fields(simulation.Diff) if f.type == "Decimal"}

    def diffs(rows: list[dict]) -> list[simulation.Diff]:
        return [simulation.Diff(**{k: money(v) if k in amounts else v for k, v in row.items()}) for row in rows]

    prices = data.get("level_prices")
    level_prices = None if prices is None else simulation.LevelPrices(
        {level: Decimal(pct) for level, pct in prices["percent"].items()}, tuple(prices["service_types"]))
    return simulation.Simulation(data["first"], data["last"], list(data["months"]), diffs(data.get("rows", [])),
                                 diffs(data.get("levels", [])), level_prices)


def run_report(session: Session, job: Job) -> Outcome:
    """The committee's monthly report as a PDF, kept with the job."""
    from app.followup.report import render_report_pdf

    period = job.params["period"]
    job.progress(0, 1)
    # The page templates read the request (signed-in user, nonce): the worker has none of its own.
    with current_app.test_request_context():
        data = render_report_pdf(session, period, date.fromisoformat(job.params["as_of"]))
    session.rollback()
    job.progress(1, 1)
    return Outcome({"period": period, "bytes": len(data)}, data, f"manadsrapport-{period}.pdf")


SIMULATION = register(Kind(
    "bonus_simulation", _l("Bonussimulering"), run_simulation, ROLES, "followup/_simulation_job.html",
    summary=lambda p: f"{p.get('first', '')} – {p.get('last', '')}",
    back=lambda p: url_for("followup.simulate"), present=simulation_from_json, reads_only=True))
REPORT = register(Kind(
    "committee_report", _l("Månadsrapport till nämnden"), run_report, ROLES, "followup/_report_job.html",
    summary=lambda p: p.get("period", ""),
    back=lambda p: url_for("followup.index", year=p.get("period", "")[:4],
                           through=p.get("period", "")), reads_only=True))
