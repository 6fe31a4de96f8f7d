"""The payroll file's import as a job: the upload is kept encrypted with the job until it ends.

The import and the job's 'done' are one transaction: a worker killed half-way stores no pay,
and the job (its file still kept) can be run again from its page.
"""
from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable, Iterator
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from app.kundval import payroll
from app.tasks.service import Job, Kind, Outcome, register

PROGRESS_EVERY = 2000  # lines


def _counted(lines: Iterable[str], job: Job, total: int) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if number % PROGRESS_EVERY == 0:
            job.progress(number, total)
        yield line


def run_import(session: Session, job: Job) -> Outcome:
    text = job.input_text or ""
    total = text.count("\n") + 1
    job.progress(0, total)
    summary = payroll.import_payroll(session, _counted(io.StringIO(text, newline=""), job, total),
                                     date.fromisoformat(job.params["today"]),
                                     actor_id=job.params.get("actor_id"))
    job.progress(total, total)
    return Outcome(dataclasses.asdict(summary))


KIND = register(Kind(
    "payroll_import", _l("Inläsning av lönedata"), run_import, ("finance", "case_worker"),
    "kundval/_payroll_job.html", summary=lambda p: p.get("today", ""),
    back=lambda p: url_for("kundval.payroll_upload"), restartable=False))
