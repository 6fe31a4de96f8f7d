"""`flask tasks worker`: huey's consumer for the app's queue (run as many as the load needs)."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from app.tasks.queue import queue

tasks_cli = AppGroup("tasks", help="The job queue (simulations, reports, run-all, imports).")


@tasks_cli.command("worker")
@click.option("--workers", "-w", default=1, show_default=True, help="Jobs run at the same time.")
@click.option("--worker-type", "-k", type=click.Choice(["thread", "process"]), default="thread",
              show_default=True, help="process: one process per worker, for CPU-bound jobs on many cores.")
def worker_cmd(workers: int, worker_type: str) -> None:
    """Take jobs from the queue and run them until stopped (Ctrl+C finishes the running job)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _load_kinds()
    consumer = queue(app).create_consumer(workers=workers, worker_type=worker_type, periodic=False,
                                          check_worker_health=True)
    click.echo(f"Jobbkön körs med {workers} arbetare (Ctrl+C för att avsluta).")
    consumer.run()


def _load_kinds() -> None:
    """The kinds register themselves where their areas are imported (the blueprints): check."""
    from app.tasks.service import KINDS

    if not KINDS:
        raise click.ClickException("no job kinds registered")
