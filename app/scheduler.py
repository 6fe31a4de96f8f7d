"""`flask scheduler`: APScheduler 3 in its own process, with the platform's recurring jobs.

Never started from create_app(): every gunicorn worker would start one. Each job goes through
app.common.jobs.run_once, so a second scheduler started by mistake does nothing.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

import click
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from app.common.jobs import JobOutcome, run_once
from app.extensions import db
from app.followup.kept import nightly_job as kept_facts_job
from app.kundval.casefacts import nightly_job as case_facts_job
from app.kundval.default_job import default_placement_job
from app.notifications.service import notify
from app.privacy import retention
from app.procurement.service import ending_contracts_job
from app.providers.service import expiring_documents_job
from app.reporting.service import missing_attendance, month_report_reminder_job
from app.settlement import rules
from app.settlement.service import run_period

log = logging.getLogger("kundval.scheduler")
TIMEZONE = "Europe/Stockholm"


def monthly_drafts(session: Session, today: date) -> JobOutcome:
    """On the 1st: drafts for the previous month for every provider."""
    period = rules.previous_period(rules.period_of(today))

    def work(s: Session) -> str:
        result = run_period(s, period)
        return f"{period}: {len(result.drafted)} utkast, {len(result.unchanged)} oförändrade"

    return run_once(session, "monthly_drafts", period, work)


def missing_attendance_job(session: Session, today: date) -> JobOutcome:
    """Daily: tell providers (and list for finance) whose attendance for open placements is missing."""
    last = today - timedelta(days=1)
    first = last - timedelta(days=13)

    def work(s: Session) -> str:
        missing = missing_attendance(s, first, last)
        for provider_id, info in missing.items():
            notify(s, provider_id=provider_id, role="provider",
                   key=f"missing-attendance:{today}:{provider_id}", subject=_l("Närvaro saknas"),
                   body=_l("Närvaro saknas för %(days)s vardagar i %(placements)s placeringar mellan %(first)s "
                           "och %(last)s. Rapportera närvaron så snart som möjligt.", days=info["days"],
                           placements=info["placements"], first=first.isoformat(), last=last.isoformat()))
        if missing:
            names = ", ".join(sorted(f"{i['name']} ({i['days']})" for i in missing.values()))
            notify(s, role="finance", key=f"missing-attendance:{today}",
                   subject=_l("Närvaro saknas hos %(count)s anordnare", count=len(missing)),
                   body=_l("Vardagar utan närvaro %(first)s–%(last)s: %(names)s", first=first.isoformat(),
                           last=last.isoformat(), names=names))
        return f"{len(missing)} anordnare saknar närvaro"

    return run_once(session, "missing_attendance", today.isoformat(), work)


def retention_job(session: Session, today: date) -> JobOutcome:
    """Daily: anonymise and remove what the retention policy says is due (counts are logged)."""
    policy = retention.Policy.from_config(current_app.config)

    def work(s: Session) -> str:
        run = retention.apply(s, policy, today)
        return ", ".join(f"{k}={v}" for k, v in run.counts.items())

    return run_once(session, "retention", today.isoformat(), work)


def _in_app(app: Flask, job) -> None:
    with app.app_context():
        session = db.session
        try:
            from datetime import datetime
            from zoneinfo import ZoneInfo

            outcome = job(session, datetime.now(ZoneInfo(TIMEZONE)).date())
            session.commit()
            log.info("%s: %s", job.__name__, outcome.detail if outcome.ran else f"skipped ({outcome.detail})")
        except Exception:
            session.rollback()
            log.exception("%s failed", job.__name__)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once now and exit (for checks).")
def scheduler_cmd(once: bool) -> None:
    """Run the scheduled jobs (one process per installation)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()
    if once:
        for job in (monthly_drafts, missing_attendance_job, default_placement_job,
                    expiring_documents_job, month_report_reminder_job, ending_contracts_job,
                    retention_job, kept_facts_job, case_facts_job):
            _in_app(app, job)
        return
    scheduler = BlockingScheduler(timezone=TIMEZONE)
    scheduler.add_job(_in_app, CronTrigger(day=1, hour=3, minute=0, timezone=TIMEZONE),
                      args=[app, monthly_drafts], id="monthly_drafts", coalesce=True,
                      misfire_grace_time=6 * 3600)
    scheduler.add_job(_in_app, CronTrigger(hour=6, minute=0, timezone=TIMEZONE),
                      args=[app, missing_attendance_job], id="missing_attendance", coalesce=True,
                      misfire_grace_time=6 * 3600)
    scheduler.add_job(_in_app, CronTrigger(hour=5, minute=30, timezone=TIMEZONE),
                      args=[app, default_placement_job], id="default_placement", coalesce=True,
                      misfire_grace_time=6 * 3600)
    scheduler.add_job(_in_app, CronTrigger(hour=6, minute=15, timezone=TIMEZONE),
                      args=[app, expiring_documents_job], id="expiring_documents", coalesce=True,
                      misfire_grace_time=6 * 3600)
    scheduler.add_job(_in_app, CronTrigger(day=3, hour=7, minute=0, timezone=TIMEZONE),
                      args=[app, month_report_reminder_job], id="month_report_reminder",
                      coalesce=True, misfire_grace_time=6 * 3600)
    scheduler.add_job(_in_app, CronTrigger(hour=0, minute=30, timezone=TIMEZONE),
                      args=[app, ending_contracts_job], id="ending_contracts", coalesce=True,
                      misfire_grace_time=6 * 3600)
    scheduler.add_job(_in_app, CronTrigger(hour=2, minute=30, timezone=TIMEZONE),
                      args=[app, retention_job], id="retention", coalesce=True,
                      misfire_grace_time=6 * 3600)
    scheduler.add_job(_in_app, CronTrigger(hour=1, minute=45, timezone=TIMEZONE),
                      args=[app, kept_facts_job], id="kept_facts", coalesce=True,
                      misfire_grace_time=6 * 3600)
    scheduler.add_job(_in_app, CronTrigger(hour=0, minute=5, timezone=TIMEZONE),
                      args=[app, case_facts_job], id="case_facts", coalesce=True,
                      misfire_grace_time=6 * 3600)
    click.echo("Schemaläggaren körs (Ctrl+C för att avsluta).")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
