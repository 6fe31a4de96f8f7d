"""Benchmark: how long a web request takes now that long work is a job, against the work itself.

On the demo data (SQLite in a temporary folder, or DATABASE_URL), for the bonus simulation, the
committee's PDF, run-all of a period and a payroll file of N rows, it prints:
  - work: the same computation done directly (what the request did before it was a job),
  - request: the POST that starts the job (what a person now waits for),
  - job: the job run through the queue (huey's execute, in this process),
  - status: one poll of the job's status.

    .venv/bin/python benchmarks/jobs.py
    .venv/bin/python benchmarks/jobs.py --payroll-rows 200000
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORM = {"first": "2026-08", "last": "2026-11", "rule-0-include": "1",
        "rule-0-tiers": "90: 15000\n180: 5000", "rule-0-sustain_amount": "0"}


def _clock(work) -> tuple[float, object]:
    started = time.perf_counter()
    value = work()
    return time.perf_counter() - started, value


def _payroll(rows: int) -> str:
    from stdnum import luhn

    lines = ["personnummer;arbetsgivare_orgnr;period;kontant_bruttolon"]
    for i in range(rows):
        payload = f"900202{i % 999 + 1:03d}"
        lines.append(f"19{payload[:6]}-{payload[6:]}{luhn.calc_check_digit(payload)};556677-8899;"
                     f"20{10 + i // 999 % 16:02d}-{1 + i // (999 * 16) % 12:02d};100")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payroll-rows", type=int, default=50_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kundval-jobs-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"

    from app import create_app
    from app.auth.service import create_user
    from app.common.migrate import upgrade
    from app.exchange.importer import import_document
    from app.extensions import db
    from app.followup import forms, report, simulation
    from app.kundval import payroll
    from app.settlement import overview, service
    from app.tasks.queue import drain

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "TASKS_URL": f"sqlite:///{tmp / 'tasks.db'}",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "bench", "PERSONAL_ID_KEY": "bench"})
    with app.app_context():
        import_document(db.session, json.loads((ROOT / "providers_seed" / "demo.json").read_text("utf-8")))
        users = {role: create_user(db.session, email=f"{role}@bench.example", role=role,
                                   password="korrekt-hast-batteri") for role in ("management", "finance")}
        db.session.commit()
        ids = {role: user.get_id() for role, user in users.items()}
    text = _payroll(args.payroll_rows)

    def direct_simulation():
        stored = simulation.stored_rules(db.session)
        return simulation.simulate(db.session, FORM["first"], FORM["last"],
                                   forms.simulated_rules(FORM, [t for _r, t in stored]))

    def direct_run_all():
        for org_nr, _name in overview.providers_to_run(db.session, "2026-10"):
            service.run_period(db.session, "2026-10", org_nr)
        db.session.rollback()

    def direct_pdf():
        with app.test_request_context():
            return report.render_report_pdf(db.session, "2026-10", date(2026, 11, 24))

    with app.app_context():
        direct_pdf()  # WeasyPrint's first document loads the fonts: not part of either figure

    cases = [
        ("simulation", "management", "/uppfoljning/simulering", FORM, direct_simulation),
        ("committee PDF", "management", "/uppfoljning/rapport", {"through": "2026-10"}, direct_pdf),
        ("run-all 2026-10", "finance", "/avrakning/2026-10/kor", {}, direct_run_all),
        (f"payroll {args.payroll_rows} rows", "finance", "/lonedata",
         {"file": (io.BytesIO(text.encode()), "agi.csv")},
         lambda: payroll.import_payroll(db.session, io.StringIO(text, newline=""), date.today())),
    ]
    print(f"database {url.split(':')[0]}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'':24} {'work':>8} {'request':>8} {'job':>8} {'status':>8}")
    for name, role, path, data, direct in cases:
        with app.app_context():
            work, _ = _clock(direct)
            db.session.rollback()
        client = app.test_client()
        with client.session_transaction() as sess:
            sess.update({"_user_id": ids[role], "_fresh": True, "second_factor_user": int(ids[role].split(".")[0])})
        started = time.perf_counter()
        response = client.post(path, data=dict(data), content_type="multipart/form-data")
        request = time.perf_counter() - started
        location = response.headers["Location"]
        job, _ = _clock(lambda: drain(app))  # noqa: B023 (called at once)
        started = time.perf_counter()
        answer = client.get(location + "/status")
        status = time.perf_counter() - started
        assert answer.json["status"] == "done", (name, answer.json)
        print(f"{name:24} {work:8.3f} {request:8.3f} {job:8.3f} {status:8.3f}  s")


if __name__ == "__main__":
    main()
