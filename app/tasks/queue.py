"""The Huey queue behind the jobs: SqliteHuey in instance/ unless KUNDVAL_TASKS_URL names Redis.

One Huey instance per app, made on first use. It carries one task, `kundval.run_task(task_id)`:
what to run is in the `task` row, so the queue's message is only an id and the worker can be
on any machine that reaches the database and the queue.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
# What runs a task row: tasks/service.execute, registered by that module when it is imported (the
# service puts tasks on this queue, so the queue must not import the service back).
_executor: list[Callable[[int], None]] = []


def run_tasks_with(execute: Callable[[int], None]) -> None:
    _executor[:] = [execute]


def make_queue(app: Flask) -> Huey:
    """The app's Huey from TASKS_URL (sqlite:///path or redis://host:port/db) and TASKS_QUEUE."""
    url = app.config.get("TASKS_URL") or f"sqlite:///{Path(app.instance_path) / 'tasks.db'}"
    name = app.config.get("TASKS_QUEUE") or "kundval"
    huey: Huey
    if url.startswith(REDIS_SCHEMES):
        huey = RedisHuey(name, url=url, results=False)
    elif url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False)
    else:
        raise ValueError(f"KUNDVAL_TASKS_URL must start with sqlite:/// or redis://, not {url!r}")

    @huey.task(name="kundval.run_task")
    def run_task(task_id: int) -> None:
        if not _executor:
            raise RuntimeError("app.tasks.service was not imported: nothing runs task rows")
        with app.app_context():
            _executor[0](task_id)

    @huey.on_startup()
    def _fresh_connections() -> None:
        # A forked worker process must not share the parent's database connections.
        app.extensions["db_engine"].dispose(close=False)

    app.extensions["tasks_run"] = run_task
    return huey


def queue(app: Flask | None = None) -> Huey:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if "tasks_queue" not in app.extensions:
        app.extensions["tasks_queue"] = make_queue(app)
    return app.extensions["tasks_queue"]


def enqueue(task_id: int) -> None:
    queue()
    current_app.extensions["tasks_run"](task_id)


# Live state of a running job, in the queue's own store (not the database: a job's open write
# transaction on SQLite would hold progress back until it commits).

def _key(task_id: int) -> str:
    return f"kundval.task.{task_id}"


def put_state(huey: Huey, task_id: int, attempt: int, done: int, total: int) -> None:
    huey.put(_key(task_id), {"attempt": attempt, "done": done, "total": total, "beat": time.time()})


def get_state(task_id: int) -> dict | None:
    return queue().get(_key(task_id), peek=True)


def drop_state(task_id: int) -> None:
    queue().delete(_key(task_id))


def drain(app: Flask, limit: int = 100) -> int:
    """Run what is queued, here and now, with the queue's own execute (for tests and checks)."""
    huey, ran = queue(app), 0
    while ran < limit:
        message = huey.dequeue()
        if message is None:
            break
        huey.execute(message)
        ran += 1
    return ran
