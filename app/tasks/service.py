"""Starting, running, watching and restarting jobs; each area registers what its kinds do.

A job's own writes and its row's 'done' are committed together, so a worker killed half-way
leaves the row 'running' and nothing of the job's writes; a job that writes in several
transactions (run-all, one per provider) is made of steps that may be done twice. A row left
'running' whose heartbeat has stopped is stalled: the page offers to run it again.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from huey import Huey
from sqlalchemy import update
from sqlmodel import Session, select

from app.common.base import utcnow
from app.common.errors import ValidationError
from app.common.personal_data import cipher
from app.extensions import db, reading
from app.tasks import queue
from app.tasks.models import Task

log = logging.getLogger("kundval.tasks")
HEARTBEAT_SECONDS = 2.0


def _l(message: str) -> str:
    """Marks a message for the catalogs (pybabel's -k _l) and keeps it as the msgid: the row
    stores the Swedish msgid and the page translates it into the reader's language."""
    return message


# Shown when the job failed for a reason that is ours, not the user's (the log has the details).
UNEXPECTED = _l("jobbet avbröts av ett fel hos oss; försök igen, och kontakta förvaltningen om det händer igen")
NOT_QUEUED = _l("kön för jobb nås inte just nu; försök igen om en stund")


@dataclass
class Job:
    """What a kind's function gets: the row's parameters, its input, and a way to report progress."""

    task_id: int
    attempt: int
    params: dict
    input_text: str | None
    store: Huey
    _progress: tuple[int, int] = (0, 0)

    def progress(self, done: int, total: int) -> None:
        self._progress = (done, total)
        self.beat()

    def beat(self) -> None:
        queue.put_state(self.store, self.task_id, self.attempt, *self._progress)


@dataclass
class Outcome:
    result: dict
    file: bytes | None = None
    filename: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    title: Any  # a lazy string: the job's name on its page and in lists
    run: Callable[[Session, Job], Outcome]
    roles: tuple[str, ...]  # who may see and start it
    result_template: str  # renders `result` (the Outcome's dict) on the job's page
    summary: Callable[[dict], str] = lambda params: ""  # what the parameters were, in a few words
    back: Callable[[dict], str] | None = None  # the page the job belongs to (a URL)
    present: Callable[[dict], Any] = lambda result: result  # the kept result as the template's `result`
    restartable: bool = True  # False when its input is gone after it failed (an upload)
    commits: bool = False  # True when run() commits its own steps (each one may run twice)
    # True when run() only reads (a simulation, a report): it gets a reading session, so on SQLite
    # its long computation holds no write lock; the row's 'done' is written after it.
    reads_only: bool = False


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def start(session: Session, kind: str, user_id: int | None, params: dict,
          input_text: str | None = None) -> Task:
    """Record the job and put it on the queue; the caller's transaction is committed here, first,
    so the worker finds the row."""
    task = Task(kind=kind, user_id=user_id, params=params,
                input_data=None if input_text is None else cipher().encrypt(input_text))
    session.add(task)
    session.commit()
    _enqueue(session, task)
    return task


def _enqueue(session: Session, task: Task) -> None:
    try:
        queue.enqueue(task.id)
    except Exception:
        log.exception("could not enqueue task %s", task.id)
        task.status, task.error_field, task.error_message = "failed", "", NOT_QUEUED
        task.finished_at = utcnow()
        session.commit()


def stale_after() -> timedelta:
    return timedelta(seconds=current_app.config.get("TASKS_STALE_SECONDS", 30))


@dataclass
class Status:
    task: Task
    done: int
    total: int
    stalled: bool = False  # running, but its worker stopped beating
    waiting: bool = False  # queued for long: no worker seems to be running
    messages: list[str] = field(default_factory=list)

    @property
    def can_restart(self) -> bool:
        kind = KINDS.get(self.task.kind)
        if self.stalled or self.waiting:
            return True
        # A job whose input is gone (an upload refused for a bad row) is not run again.
        return self.task.status == "failed" and kind is not None and (
            kind.restartable or self.task.input_data is not None)


def status(task: Task) -> Status:
    """The row, with the worker's live progress and whether it is stalled."""
    state = queue.get_state(task.id) if task.status in ("queued", "running") else None
    done, total = task.progress_done, task.progress_total
    now = utcnow()
    if state and state.get("attempt") == task.attempt:
        done, total = state["done"], state["total"]
    if task.status == "running":
        beat = datetime.fromtimestamp(state["beat"], UTC) if state else _aware(task.started_at)
        return Status(task, done, total, stalled=beat is None or now - beat > stale_after())
    if task.status == "queued":
        return Status(task, done, total, waiting=now - _aware(task.created_at) > 10 * stale_after())
    return Status(task, done, total)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def restart(session: Session, task: Task) -> bool:
    """Queue a stalled, waiting or failed job again (the same parameters); False if it may not."""
    if not status(task).can_restart:
        return False
    task.status, task.error_field, task.error_message = "queued", "", ""
    task.progress_done = task.progress_total = 0
    task.finished_at = None
    task.created_at = utcnow()
    session.commit()
    _enqueue(session, task)
    return True


def recent(session: Session, kinds: tuple[str, ...], limit: int = 10) -> list[Task]:
    return list(session.exec(select(Task).where(Task.kind.in_(kinds))  # type: ignore[attr-defined]
                             .order_by(Task.id.desc()).limit(limit)))  # type: ignore[union-attr]


# -- the worker's side ------------------------------------------------------------------------------

def _claim(session: Session, task_id: int) -> Task | None:
    """Take a queued job (one worker wins); None if it is gone, done or taken."""
    taken = session.execute(
        update(Task).where(Task.id == task_id, Task.status == "queued")
        .values(status="running", attempt=Task.attempt + 1, started_at=utcnow(), updated_at=utcnow(),
                worker=f"{socket.gethostname()}:{os.getpid()}"[:120]))
    session.commit()
    if taken.rowcount != 1:
        log.info("task %s is not queued any more; skipped", task_id)
        return None
    task = session.get(Task, task_id)
    # End the read's transaction: on SQLite it began with BEGIN IMMEDIATE and would hold the
    # database's write lock for the whole job (the session keeps the row's loaded values).
    session.commit()
    return task


def _finish(session: Session, task: Task, attempt: int, **values) -> bool:
    """Write the end of this attempt unless the job was restarted meanwhile; the caller commits."""
    done = session.execute(update(Task).where(Task.id == task.id, Task.attempt == attempt,
                                              Task.status == "running")
                           .values(finished_at=utcnow(), updated_at=utcnow(), **values))
    return done.rowcount == 1


def execute(task_id: int) -> None:
    """Run one job in the worker (inside an app context): claim, run, finish in one transaction."""
    session = db.session
    task = _claim(session, task_id)
    if task is None:
        return
    kind = KINDS[task.kind]
    job = Job(task.id, task.attempt, dict(task.params),
              None if task.input_data is None else cipher().decrypt(task.input_data), queue.queue())
    job.progress(0, 0)
    beating = _Heartbeat(job)
    beating.start()
    try:
        if kind.reads_only:
            with reading_session() as reader:
                outcome = kind.run(reader, job)
        else:
            outcome = kind.run(session, job)
        done, total = job._progress
        if _finish(session, task, job.attempt, status="done", result=outcome.result,
                   result_file=outcome.file, result_filename=outcome.filename, input_data=None,
                   progress_done=total or done, progress_total=total):
            session.commit()
        else:
            session.rollback()
            log.warning("task %s was restarted while attempt %s ran; its result is dropped",
                        task_id, job.attempt)
    except ValidationError as exc:
        session.rollback()
        _fail(session, task, job, exc.field, exc.message, keep_input=kind.restartable)
    except Exception:
        session.rollback()
        log.exception("task %s (%s) failed", task_id, task.kind)
        _fail(session, task, job, "", UNEXPECTED, keep_input=True)
    finally:
        beating.stop()
        queue.drop_state(task_id)


@contextmanager
def reading_session() -> Iterator[Session]:
    """A session whose transactions only read (extensions.reading): on SQLite a deferred BEGIN,
    so a job's long computation does not hold the database's write lock. Rolled back at the end."""
    reader = Session(reading(db.engine), expire_on_commit=False)
    try:
        yield reader
    finally:
        reader.rollback()
        reader.close()


def _fail(session: Session, task: Task, job: Job, field_name: str, message: str,
          keep_input: bool) -> None:
    """Record why; the input stays only if the same input may be run again (not a refused file)."""
    done, total = job._progress
    values = {} if keep_input else {"input_data": None}
    if _finish(session, task, job.attempt, status="failed", error_field=field_name[:200],
               error_message=message, progress_done=done, progress_total=total, **values):
        session.commit()


queue.run_tasks_with(execute)


class _Heartbeat(threading.Thread):
    """Tells the page the worker is alive while a long step (one engine month) runs."""

    def __init__(self, job: Job):
        super().__init__(name=f"heartbeat-{job.task_id}", daemon=True)
        self.job, self._stop_event = job, threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(HEARTBEAT_SECONDS):
            try:
                self.job.beat()
            except Exception:  # a missed beat only makes the page cautious
                log.warning("heartbeat of task %s failed", self.job.task_id, exc_info=True)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)
