"""Running the job queue in tests: drained here with huey's own execute, or a real consumer.

`worker()` starts `flask tasks worker` (huey's Consumer) in a subprocess on the test's database
and queue, and stops it when the block ends, so no consumer outlives its test.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ROOT
from tests.settlement.helpers import attendance


def run_jobs(app) -> int:
    """Run every queued job now (in this process, through huey's execute)."""
    from app.tasks.queue import drain

    return drain(app)


def follow(client, response):
    """After a POST that started a job: run the queue, then the job's page."""
    assert response.status_code == 302, response.text
    run_jobs(client.application)
    return client.get(response.headers["Location"])


@contextmanager
def worker(database_url: str, tasks_url: str, queue_name: str = "kundval", workers: int = 1,
           stale_seconds: int = 30, extra_env: dict | None = None,
           slow: bool = False) -> Iterator[subprocess.Popen]:
    """A real consumer in its own process; `slow` makes each progress report of a job wait 0.1 s
    (tests/tasks/slow_worker), so a test can stop it half-way whatever the machine's speed."""
    if slow:
        extra_env = {**(extra_env or {}), "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parent / "slow_worker"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": database_url,
           "KUNDVAL_TASKS_URL": tasks_url, "KUNDVAL_TASKS_QUEUE": queue_name,
           "KUNDVAL_TASKS_STALE_SECONDS": str(stale_seconds),
           "SECRET_KEY": "test-secret", "PERSONAL_ID_KEY": "test-personal-id-key",
           **(extra_env or {})}
    log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would stop the worker
    proc = subprocess.Popen([sys.executable, "-m", "flask", "tasks", "worker", "-w", str(workers)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=_die_with_parent)
    proc.log = log  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        stop(proc)
        log.close()


def _die_with_parent() -> None:
    """Linux: the consumer gets SIGKILL if the test process dies without stopping it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def stop(proc: subprocess.Popen, hard: bool = False) -> str:
    """Stop the consumer (SIGKILL when hard, as a crash would) and return what it printed."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL if hard else signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    log = proc.log  # type: ignore[attr-defined]
    if log.closed:
        return ""
    log.seek(0)
    return log.read().decode(errors="replace")


def wait_for(check, timeout: float = 60, every: float = 0.2):
    """Poll `check()` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not true after {timeout} s: {check}")


def luhn(payload: str) -> str:
    total = 0
    for index, char in enumerate(payload):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def many_providers(count: int) -> dict:
    """`count` providers, each with one client placed in March 2026 and ten days of hours."""
    doc: dict = {k: [] for k in ("providers", "offerings", "clients", "referrals", "placements",
                                 "attendance")}
    for i in range(count):
        org = f"556{i:06d}"
        pid = f"800101{i + 1:03d}"
        doc["providers"].append({"ref": f"P{i}", "org_nr": f"{org[:6]}-{org[6:]}{luhn(org)}",
                                 "name": f"Anordnare {i:03d}", "status": "approved"})
        doc["offerings"].append({"ref": f"O{i}", "provider": f"P{i}", "service_type": "praktik",
                                 "title": "Praktik", "rate_unit": "hour", "rate": "100.00",
                                 "vat_rate": 25, "capacity": 10})
        doc["clients"].append({"ref": f"C{i}", "personal_id": f"19{pid[:6]}-{pid[6:]}{luhn(pid)}",
                               "name": f"Deltagare {i}", "newly_arrived": False,
                               "children_in_household": False})
        doc["referrals"].append({"ref": f"R{i}", "client": f"C{i}", "service_type": "praktik",
                                 "decided_on": "2026-02-20", "valid_from": "2026-03-01",
                                 "valid_to": "2026-12-31", "max_hours_per_week": None})
        doc["placements"].append({"ref": f"PL{i}", "referral": f"R{i}", "offering": f"O{i}",
                                  "chosen_by": "client", "start_date": "2026-03-02",
                                  "ended_on": None, "end_reason": None})
        doc["attendance"] += attendance(f"PL{i}", "2026-03-02", 10)
    return doc
