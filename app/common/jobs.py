"""Scheduled jobs: each takes a database lock and records its run, so running twice is harmless.

APScheduler runs them in its own process (`flask scheduler`), never inside create_app().
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlmodel import Field, Session, col

from app.common.base import Timestamped, utcnow

log = logging.getLogger("kundval.jobs")


class JobLock(Timestamped, table=True):
    """A lock row for scheduled jobs on SQLite (PostgreSQL uses advisory locks)."""

    name: str = Field(primary_key=True, max_length=100)
    holder: str = Field(default="", max_length=100)
    locked_until: dt.datetime | None = None
    last_run_key: str = Field(default="", max_length=50)


@dataclass
class JobOutcome:
    ran: bool
    detail: str = ""


def run_once(session: Session, name: str, run_key: str, work: Callable[[Session], str]) -> JobOutcome:
    """Run `work` for (name, run_key) unless it already ran; the caller commits.

    PostgreSQL: a transaction-scoped advisory lock; a second scheduler that cannot get it skips.
    SQLite: BEGIN IMMEDIATE already holds the write lock, so the second one waits and then sees
    the recorded run key.
    """
    if session.get_bind().dialect.name == "postgresql":
        got = session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                              {"k": zlib.crc32(name.encode())}).scalar()
        if not got:
            return JobOutcome(False, "locked by another scheduler")
    lock = session.execute(select(JobLock).where(col(JobLock.name) == name).with_for_update()).scalar_one_or_none()
    if lock is None:
        lock = JobLock(name=name)
        session.add(lock)
        session.flush()
    if lock.last_run_key == run_key:
        return JobOutcome(False, f"already ran for {run_key}")
    lock.holder = f"{socket.gethostname()}:{os.getpid()}"
    lock.locked_until = utcnow()
    detail = work(session)
    lock.last_run_key = run_key
    session.flush()
    return JobOutcome(True, detail)
