"""Run-all of a period as a job: every provider in turn, each in its own transaction.

A provider's run is idempotent (an unchanged draft is kept, a changed one replaced), so a job
killed between two providers leaves every provider either as before or fully run, and running
the job again finishes the rest.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from app.settlement import overview, workflow
from app.tasks.service import Job, Kind, Outcome, register


def run_all(session: Session, job: Job) -> Outcome:
    period = workflow.check_period(job.params["period"])
    providers = [org_nr for org_nr, _name in overview.providers_to_run(session, period)]
    session.rollback()
    counts = {"drafted": 0, "unchanged": 0, "skipped": 0, "removed": 0}
    job.progress(0, len(providers))
    for done, org_nr in enumerate(providers, start=1):
        result = workflow.run_period(session, period, org_nr)
        session.commit()
        counts["drafted"] += len(result.drafted)
        counts["unchanged"] += len(result.unchanged)
        counts["skipped"] += len(result.skipped_settled)
        counts["removed"] += len(result.removed)
        job.progress(done, len(providers))
    return Outcome({"period": period, "providers": len(providers), **counts})


KIND = register(Kind(
    "settlement_run_all", _l("Avräkning för alla anordnare"), run_all, ("finance", "admin"),
    "settlement/_run_all_job.html", summary=lambda p: p.get("period", ""),
    back=lambda p: url_for("settlement.period", period=p.get("period", "")), commits=True))
