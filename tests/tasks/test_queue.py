"""Jobs on a real Huey queue: the web request only enqueues, a consumer runs the job, the page shows
progress and then the kept result; a killed worker leaves nothing half-written and the job runs again.

The consumer is `flask tasks worker` in a subprocess (huey's Consumer), on SQLite's queue file and,
in one test, on Redis at 127.0.0.1:6379. Each test stops its consumer when it ends.
"""
from __future__ import annotations

import os
import time
import uuid

import pytest
from sqlalchemy import func, select

from app.common.money import money as money_value
from app.exchange.importer import import_document
from app.extensions import db
from app.kundval.models import PayrollEntry
from app.providers.models import Provider
from app.settlement import service as settlement
from app.settlement.models import Settlement, SettlementLine
from app.tasks import queue
from app.tasks import service as tasks
from app.tasks.models import Task
from tests.followup.helpers import bonus_document
from tests.tasks.helpers import luhn, many_providers, run_jobs, stop, wait_for, worker

REDIS_URL = os.environ.get("KUNDVAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
SIMULATION_FORM = {"first": "2026-03", "last": "2026-06", "rule-0-include": "1",
                   "rule-0-tiers": "90: 12000\n180: 5000", "rule-0-sustain_amount": "0"}


def _load(app, doc: dict) -> None:
    with app.app_context():
        import_document(db.session, doc)
        db.session.commit()


def _status(client, location: str) -> dict:
    response = client.get(location + "/status")
    assert response.status_code == 200
    return response.json


def _task(app, task_id: int) -> Task:
    with app.app_context():
        task = db.session.get(Task, task_id)
        db.session.expunge(task)
        return task


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_simulation_runs_on_a_real_consumer_and_the_page_shows_progress_then_the_kept_figures(
        app, client, auth, database_url):
    _load(app, bonus_document())
    auth.login("management")
    with worker(database_url, app.config["TASKS_URL"]):
        started = time.monotonic()
        response = client.post("/uppfoljning/simulering", data=SIMULATION_FORM)
        assert time.monotonic() - started < 2.0  # the request only enqueues
        assert response.status_code == 302
        location = response.headers["Location"]
        waiting = client.get(location).text
        assert "tasks.js" in waiting or 'id="task-result"' in waiting
        wait_for(lambda: _status(client, location)["status"] in ("done", "failed"))
    state = _status(client, location)
    assert state["status"] == "done" and state["done"] == state["total"] == 5  # loading + 4 months
    page = client.get(location).text.replace("\u00a0", " ")
    assert "25 999,70" in page and "23 999,70" in page and "2 000,00" in page
    assert "tasks.js" not in page  # a finished job's page does not poll
    task = _task(app, int(location.rsplit("/", 1)[1]))
    assert task.status == "done" and task.attempt == 1 and task.worker
    assert {row["name"] for row in task.result["rows"]} == {"Arbetsvägen AB", "Nästa Steg Kooperativ"}
    assert _count(app, Settlement) == 0  # a simulation writes nothing but its own row
    listed = client.get("/uppfoljning/simulering").text
    assert f'href="{location}"' in listed  # kept and listed


def test_run_all_on_a_redis_queue_drafts_every_provider(app, client, auth, database_url):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (.ci/run starts it)")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    name = f"kundval_test_{uuid.uuid4().hex[:12]}"
    app.config.update(TASKS_URL=REDIS_URL, TASKS_QUEUE=name)
    _load(app, many_providers(6))
    auth.login("finance")
    try:
        with app.app_context():
            assert type(queue.queue()).__name__ == "RedisHuey"
        with worker(database_url, REDIS_URL, queue_name=name, workers=2):
            response = client.post("/avrakning/2026-03/kor")
            location = response.headers["Location"]
            wait_for(lambda: _status(client, location)["status"] in ("done", "failed"))
        page = client.get(location).text
        assert "Körningen är klar: 6 nya eller ändrade utkast, 0 oförändrade." in page
        assert _count(app, Settlement) == 6
    finally:
        with app.app_context():
            queue.queue().storage.flush_all()


def test_a_run_all_whose_worker_is_killed_half_way_leaves_whole_providers_and_runs_again(
        app, client, auth, database_url):
    providers = 60
    _load(app, many_providers(providers))
    app.config["TASKS_STALE_SECONDS"] = 2
    auth.login("finance")
    with worker(database_url, app.config["TASKS_URL"], slow=True) as proc:  # else it may finish first
        location = client.post("/avrakning/2026-03/kor").headers["Location"]
        wait_for(lambda: _status(client, location)["done"] >= 3, timeout=90, every=0.05)
        stop(proc, hard=True)  # as a crash or an OOM kill would
    task_id = int(location.rsplit("/", 1)[1])
    assert _task(app, task_id).status == "running"
    drafted = _count(app, Settlement)
    assert 3 <= drafted < providers
    # Every stored draft is whole: each has its provider's ten days of hours, and running that
    # provider again finds its draft unchanged.
    with app.app_context():
        lines = db.session.execute(select(SettlementLine.settlement_id, func.sum(SettlementLine.quantity))
                                   .group_by(SettlementLine.settlement_id)).all()
        assert len(lines) == drafted and all(hours == 60 for _id, hours in lines)
        org_nr = db.session.execute(select(Provider.org_nr).join(Settlement)).scalars().first()
        assert settlement.run_period(db.session, "2026-03", org_nr).unchanged == [org_nr]
        db.session.rollback()
    wait_for(lambda: _status(client, location)["stalled"], timeout=30)
    page = client.get(location).text
    assert 'id="task-stuck"' in page and "Kör jobbet igen" in page
    with worker(database_url, app.config["TASKS_URL"]):
        assert client.post(location + "/igen").status_code == 302
        wait_for(lambda: _status(client, location)["status"] in ("done", "failed"), timeout=90)
    task = _task(app, task_id)
    assert task.status == "done" and task.attempt == 2
    assert task.result["drafted"] + task.result["unchanged"] == providers
    assert task.result["unchanged"] >= drafted
    assert _count(app, Settlement) == providers


def _payroll_file(clients: int, others: int) -> str:
    rows = ["personnummer;arbetsgivare_orgnr;period;kontant_bruttolon"]
    for i in range(clients):
        pid = f"800101{i + 1:03d}"
        rows.append(f"19{pid[:6]}-{pid[6:]}{luhn(pid)};556677-8899;2026-03;21 300,50")
    for i in range(others):
        pid = f"900202{i % 999 + 1:03d}"
        rows.append(f"19{pid[:6]}-{pid[6:]}{luhn(pid)};556677-8899;2026-{1 + i // 999:02d};100")
    return "\n".join(rows) + "\n"


def test_a_payroll_import_that_fails_half_way_stores_nothing_and_runs_again(app, client, auth, monkeypatch):
    from app.kundval import payroll

    _load(app, many_providers(3))
    auth.login("finance")
    real_record_change = payroll.record_change

    def crash_after_the_insert(*args, **kwargs):
        raise RuntimeError("the worker died after writing the pay rows")

    monkeypatch.setattr(payroll, "record_change", crash_after_the_insert)
    text = _payroll_file(3, 10)
    response = client.post("/lonedata", data={"file": (__import__("io").BytesIO(text.encode()), "agi.csv")},
                           content_type="multipart/form-data")
    location = response.headers["Location"]
    assert run_jobs(app) == 1
    task_id = int(location.rsplit("/", 1)[1])
    failed = _task(app, task_id)
    assert failed.status == "failed" and failed.input_data is not None  # kept to run again
    assert _count(app, PayrollEntry) == 0  # the insert was rolled back with the job
    page = client.get(location).text
    assert "Jobbet avbröts av ett fel hos oss" in page and "Kör jobbet igen" in page
    assert "19800101" not in page  # the file's personnummer are never shown

    monkeypatch.setattr(payroll, "record_change", real_record_change)
    assert client.post(location + "/igen").status_code == 302
    assert run_jobs(app) == 1
    done = _task(app, task_id)
    assert done.status == "done" and done.attempt == 2 and done.input_data is None
    assert done.result == {"used": 3, "dropped": 10, "added": 3, "changed": 0}
    assert _count(app, PayrollEntry) == 3
    assert "Använda rader: 3" in client.get(location).text


def test_the_uploaded_file_is_kept_encrypted_only_while_the_job_waits(app, client, auth):
    _load(app, many_providers(1))
    auth.login("case_worker")
    text = _payroll_file(1, 1)
    location = client.post("/lonedata", data={"file": (__import__("io").BytesIO(text.encode()), "a.csv")},
                           content_type="multipart/form-data").headers["Location"]
    waiting = _task(app, int(location.rsplit("/", 1)[1]))
    assert waiting.status == "queued" and waiting.input_data and "19800101" not in waiting.input_data
    assert "Jobbet väntar på sin tur i kön." in client.get(location).text
    run_jobs(app)
    assert _task(app, waiting.id).input_data is None


def test_a_bad_payroll_row_fails_the_job_with_the_line_and_the_file_is_dropped(app, client, auth):
    _load(app, many_providers(1))
    auth.login("finance")
    text = _payroll_file(1, 0) + "19800101-0000;556677-8899;2026-03;tusen\n"
    location = client.post("/lonedata", data={"file": (__import__("io").BytesIO(text.encode()), "a.csv")},
                           content_type="multipart/form-data").headers["Location"]
    run_jobs(app)
    task = _task(app, int(location.rsplit("/", 1)[1]))
    assert task.status == "failed" and task.error_field == "rad 3, personnummer"
    assert task.input_data is None
    page = client.get(location).text
    assert "rad 3, personnummer:" in page and "Rätta filen och läs in den igen." in page
    assert "Kör jobbet igen" not in page


def test_a_job_started_twice_runs_once(app, client, auth):
    _load(app, bonus_document())
    auth.login("admin")
    location = client.post("/uppfoljning/simulering", data=SIMULATION_FORM).headers["Location"]
    task_id = int(location.rsplit("/", 1)[1])
    with app.app_context():
        queue.enqueue(task_id)  # a duplicate message, as a restart racing a slow worker would give
    assert run_jobs(app) == 2
    assert _task(app, task_id).attempt == 1


def test_a_queued_job_without_a_worker_says_so_and_can_be_queued_again(app, client, auth):
    _load(app, bonus_document())
    auth.login("management")
    app.config["TASKS_STALE_SECONDS"] = 0
    location = client.post("/uppfoljning/simulering", data=SIMULATION_FORM).headers["Location"]
    page = client.get(location).text
    assert "Kontrollera att jobbkön körs" in page
    assert client.post(location + "/igen").status_code == 302
    run_jobs(app)
    assert _task(app, int(location.rsplit("/", 1)[1])).status == "done"


def test_roles_see_only_their_kinds_of_job(app, client, auth):
    _load(app, bonus_document())
    auth.login("management")
    location = client.post("/uppfoljning/simulering", data=SIMULATION_FORM).headers["Location"]
    run_jobs(app)
    auth.login("case_worker", email="cw@test.example")
    assert client.get(location).status_code == 404
    assert client.get(location + "/status").status_code == 404
    assert client.post(location + "/igen").status_code == 404
    assert 'href="' + location not in client.get("/jobb/").text


def test_the_queue_is_redis_when_the_setting_says_so(app):
    app.config.update(TASKS_URL="redis://127.0.0.1:6379/14", TASKS_QUEUE="kundval_probe")
    with app.app_context():
        assert type(queue.queue()).__name__ == "RedisHuey"
    app.extensions.pop("tasks_queue")
    app.config.update(TASKS_URL="ftp://example")
    with app.app_context(), pytest.raises(ValueError, match="KUNDVAL_TASKS_URL"):
        queue.queue()


def test_status_reads_the_workers_live_progress(app):
    with app.app_context():
        task = Task(kind="bonus_simulation", params={}, status="running", attempt=1)
        db.session.add(task)
        db.session.commit()
        queue.put_state(queue.queue(), task.id, 1, 3, 7)
        found = tasks.status(task)
        assert (found.done, found.total, found.stalled) == (3, 7, False)
        queue.put_state(queue.queue(), task.id, 0, 5, 9)  # an earlier attempt's state is ignored
        assert tasks.status(task).done == 0


def _status_reading(app, task_id: int) -> str:
    """The row's status, read without the write lock (which this test is holding)."""
    from app.extensions import reading

    with reading(app.extensions["db_engine"]).connect() as conn:
        return conn.execute(select(Task.status).where(Task.id == task_id)).scalar_one()


def test_a_web_write_goes_through_while_a_simulation_job_computes_on_sqlite(app, client, auth, backend,
                                                                             database_url):
    """The simulation reads in a deferred transaction (no write lock), so a request's write
    transaction, opened while the job has only just started, holds the write lock while the
    job computes every month to the end; the job then writes its 'done' after that commit."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL readers never take a write lock")
    from app.followup import service as followup
    from app.followup.models import FigureTarget
    from tests.followup.test_kept import generated_document

    _load(app, generated_document(clients=200))
    auth.login("management")
    form = {**SIMULATION_FORM, "first": "2025-02", "last": "2026-10"}
    steps = 21 + 1  # loading, then each month
    with worker(database_url, app.config["TASKS_URL"]) as proc:
        response = client.post("/uppfoljning/simulering", data=form)
        assert response.status_code == 302, response.text
        task_id = int(response.headers["Location"].rsplit("/", 1)[1])
        with app.app_context():
            started = wait_for(lambda: queue.get_state(task_id), timeout=60, every=0.005)
            assert started["done"] < steps - 1, started  # the job is at its start
            # A request's write transaction (BEGIN IMMEDIATE: the write lock), left open meanwhile.
            followup.set_targets(db.session, 2026, {"cost": money_value("1000.00")})
            try:
                reached = wait_for(lambda: (queue.get_state(task_id) or {}).get("done") == steps, timeout=60,
                                   every=0.05)
            except AssertionError:
                print("STATE", queue.get_state(task_id), stop(proc))
                raise
            assert reached  # every month computed while this transaction held the write lock
            assert _status_reading(app, task_id) == "running"  # its 'done' waits for the lock
            db.session.commit()
        wait_for(lambda: _task(app, task_id).status in ("done", "failed"), timeout=60)
        log = stop(proc)
    assert _task(app, task_id).status == "done", log
    assert _count(app, FigureTarget) == 1  # the write went through
