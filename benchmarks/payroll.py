"""Benchmark: `flask data import-payroll` of a year of a mid-size municipality's pay data.

Makes a migrated SQLite file with 5 000 clients, writes a payroll file of 100 000 rows (by
default: 60 % of them for clients, the rest for people who are not), imports it with the same
code as the command and prints the wall time; then imports it again (which adds nothing).
The target is under 10 s on SQLite (issue 14).

    .venv/bin/python benchmarks/payroll.py
    .venv/bin/python benchmarks/payroll.py --rows 10000 --clients 500   # a quick look
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def personal_ids(count: int, rnd: random.Random) -> list[str]:
    """`count` different valid personnummer (Luhn check digit over the last ten digits)."""
    from stdnum import luhn

    out: set[str] = set()
    while len(out) < count:
        year, month, day = rnd.randint(1960, 2005), rnd.randint(1, 12), rnd.randint(1, 28)
        serial = rnd.randint(1, 999)  # 000 is never given out
        base = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
        out.add(f"{year:04d}{month:02d}{day:02d}-{serial:03d}{luhn.calc_check_digit(base)}")
    return sorted(out)


def org_nrs(count: int) -> list[str]:
    from stdnum import luhn

    out = []
    for i in range(count):
        base = f"55{i + 1000:07d}"
        out.append(f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--client-share", type=float, default=0.6)
    args = parser.parse_args()

    from sqlalchemy import func, insert, select

    from app import create_app
    from app.common.base import utcnow
    from app.common.identifiers import birth_date_of
    from app.common.migrate import upgrade
    from app.common.personal_data import cipher
    from app.extensions import db
    from app.kundval.models import Client, PayrollEntry
    from app.kundval.payroll import add_months, import_payroll, month_of

    rnd = random.Random(2026)
    tmp = Path(tempfile.mkdtemp(prefix="kundval-payroll-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    people = personal_ids(args.clients * 3, rnd)
    clients, others = people[:args.clients], people[args.clients:]
    employers = org_nrs(400)
    today = date.today()
    months = [add_months(month_of(today), -n) for n in range(12, 0, -1)]

    with app.app_context():
        now = utcnow()
        # Clients inserted directly: registering 5 000 through the service would time the set-up.
        db.session.execute(insert(Client), [
            {"ref": f"K-{i}", "personal_id_encrypted": "-", "personal_id_hash": cipher().lookup_hash(p),
             "birth_date": birth_date_of(p), "gender": "F", "name": f"Deltagare {i}", "language": "sv",
             "area": "", "phone": "", "newly_arrived": False, "children_in_household": False,
             "created_at": now, "updated_at": now} for i, p in enumerate(clients)])
        db.session.commit()

    # One row per person, employer and month: each person has one or two employers over the months.
    lines, seen = [], set()
    while len(lines) < args.rows:
        person = rnd.choice(clients) if rnd.random() < args.client_share else rnd.choice(others)
        key = (person, rnd.choice(employers[:50]) if rnd.random() < 0.5 else rnd.choice(employers),
               rnd.choice(months))
        if key in seen:
            continue
        seen.add(key)
        pay = f"{rnd.randint(2, 45)} {rnd.randint(0, 999):03d},{rnd.randint(0, 99):02d}"
        lines.append(f"{key[0] if rnd.random() < 0.5 else key[0].replace('-', '')};{key[1]};{key[2]};{pay}")
    path = tmp / "agi.csv"
    path.write_text("\ufeffpersonnummer;arbetsgivare_orgnr;period;kontant_bruttolon\n" + "\n".join(lines) + "\n",
                    encoding="utf-8")

    with app.app_context():
        for attempt in ("first import", "same file again"):
            started = time.perf_counter()
            with open(path, encoding="utf-8-sig", newline="") as handle:
                summary = import_payroll(db.session, handle, today)
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(f"{attempt}: {args.rows} rows in {elapsed:.2f} s "
                  f"(used {summary.used}, dropped {summary.dropped}, added {summary.added}, "
                  f"changed {summary.changed})")
        stored = db.session.execute(select(func.count()).select_from(PayrollEntry)).scalar_one()
        print(f"stored payroll entries: {stored}")
    app.extensions["db_engine"].dispose()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
