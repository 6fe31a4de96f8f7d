"""Loaded by Python at the start of a test's worker process when this folder is on PYTHONPATH
(tests/tasks/helpers.py, `slow=True`): each progress report of a job waits a little, so a test can
kill the worker half-way through a run however fast the machine is."""
from __future__ import annotations

import os
import time

PAUSE = float(os.environ.get("KUNDVAL_TEST_PROGRESS_PAUSE", "0.1"))

from app.tasks import service  # noqa: E402  (the project root is on PYTHONPATH too)

_progress = service.Job.progress


def _slow_progress(self, done: int, total: int) -> None:
    _progress(self, done, total)
    time.sleep(PAUSE)


service.Job.progress = _slow_progress  # type: ignore[method-assign]
