"""Benchmark: one month's settlement for a synthetic municipality.

300 providers, 100,000 placements and about 2 million attendance rows in the month. Prints the
wall time and peak memory of `run_period` for all providers, and two floors: a plain SQL GROUP BY
over the same month's attendance, and that plus writing the rows the run stored again in bulk.

    .venv/bin/python benchmarks/settlement.py                      # SQLite (a temp file)
    .venv/bin/python benchmarks/settlement.py --db postgresql://postgres@127.0.0.1:5432/kundval_bench
    .venv/bin/python benchmarks/settlement.py --placements 10000   # smaller, for a quick look
"""
from __future__ import annotations

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PERIOD = "2026-10"
SERVICE_TYPES = ("arbetsprovning", "arbetstraning", "praktik", "utredning")


def org_nr(i: int) -> str:
    from stdnum import luhn

    base = f"55{i:07d}"[:9]
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


def personal_id(i: int) -> str:
    from stdnum import luhn

    birth = date(1960, 1, 1) + timedelta(days=i % 15000)
    serial = f"{i % 1000:03d}"
    digits = birth.strftime("%y%m%d") + serial
    return birth.strftime("%Y%m%d") + "-" + serial + luhn.calc_check_digit(digits)


def build(url: str, placements: int, providers: int) -> None:
    """Create the schema and the synthetic data with bulk inserts (COPY on PostgreSQL)."""
    from sqlalchemy import insert, text

    from app.common import personal_data
    from app.common.migrate import upgrade
    from app.extensions import make_engine
    from app.models import Client, Offering, Placement, Provider, Referral

    personal_data.configure("benchmark")
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(url)
    rnd = random.Random(2026)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    ts = {"created_at": now, "updated_at": now}
    cipher = personal_data.cipher()
    with engine.begin() as conn:
        conn.execute(insert(Provider), [
            {"id": i + 1, "ref": f"P{i + 1}", "org_nr": org_nr(i + 1), "name": f"Anordnare {i + 1} AB",
             "status": "approved", "service_types": [], **ts} for i in range(providers)])
        offerings, oid = [], 0
        for p in range(providers):
            for unit in ("hour", "hour", rnd.choice(["day", "week", "package", "hour"])):
                oid += 1
                rate = {"hour": "125.00", "day": "850.00", "week": "3600.00", "package": "15000.00"}[unit]
                offerings.append({"id": oid, "ref": f"O{oid}", "provider_id": p + 1,
                                  "service_type": rnd.choice(SERVICE_TYPES), "title": f"Tjänst {oid}",
                                  "rate_unit": unit, "rate": rate, "vat_rate": rnd.choice([0, 25]),
                                  "start_share": 50, "capacity": 1000, "languages": [], "status": "published",
                                  **ts})
        conn.execute(insert(Offering), offerings)
        clients, referrals, rows = [], [], []
        for i in range(placements):
            pid = personal_id(i)
            clients.append({"id": i + 1, "ref": f"C{i + 1}", "personal_id_encrypted": cipher.encrypt(pid),
                            "personal_id_hash": cipher.lookup_hash(pid + str(i)), "birth_date": date(1990, 1, 1),
                            "gender": "F", "name": f"Deltagare {i + 1}", "language": "sv", **ts})
            referrals.append({"id": i + 1, "ref": f"R{i + 1}", "client_id": i + 1, "service_type": "praktik",
                              "decided_on": date(2026, 8, 1), "valid_from": date(2026, 8, 15),
                              "valid_to": date(2027, 2, 28),
                              "max_hours_per_week": "30" if i % 4 == 0 else None, **ts})
            offering = offerings[rnd.randrange(len(offerings))]
            rows.append({"id": i + 1, "ref": f"PL{i + 1:06d}", "referral_id": i + 1, "offering_id": offering["id"],
                         "chosen_by": "client", "start_date": date(2026, 9, 1) + timedelta(days=i % 45),
                         **ts})
        conn.execute(insert(Client), clients)
        conn.execute(insert(Referral), referrals)
        conn.execute(insert(Placement), rows)
    _attendance(engine, rows, rnd)
    engine.dispose()


def _attendance(engine, placements: list[dict], rnd: random.Random) -> None:
    """About 20 weekday rows per placement in the month, plus the neighbouring week days."""
    first, last = date(2026, 9, 28), date(2026, 11, 1)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    weekdays = [d for d in days if d.weekday() < 5]
    stamp = "2026-11-01 00:00:00+00"
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy("COPY attendance (placement_id, date, status, hours, created_at, updated_at) FROM STDIN") as copy:
                buf = io.StringIO()
                for p in placements:
                    for d in weekdays:
                        if d >= p["start_date"]:
                            absent = rnd.random() < 0.05
                            buf.write(f"{p['id']}\t{d}\t{'absent' if absent else 'present'}\t"
                                      f"{'0' if absent else rnd.choice(('4', '6', '6.5', '8'))}\t{stamp}\t{stamp}\n")
                    if buf.tell() > 1 << 20:
                        copy.write(buf.getvalue())
                        buf = io.StringIO()
                copy.write(buf.getvalue())
            raw.commit()
        finally:
            raw.close()
    else:
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("BEGIN")
            batch = []
            for p in placements:
                for d in weekdays:
                    if d >= p["start_date"]:
                        absent = rnd.random() < 0.05
                        batch.append((p["id"], d.isoformat(), "absent" if absent else "present",
                                      0 if absent else float(rnd.choice(("4", "6", "6.5", "8"))), stamp, stamp))
                if len(batch) > 200_000:
                    cur.executemany("INSERT INTO attendance (placement_id, date, status, hours, created_at, "
                                    "updated_at) VALUES (?,?,?,?,?,?)", batch)
                    batch = []
            cur.executemany("INSERT INTO attendance (placement_id, date, status, hours, created_at, updated_at) "
                            "VALUES (?,?,?,?,?,?)", batch)
            cur.execute("COMMIT")
        finally:
            raw.close()


PHASES = {  # where a run's time goes: (module, function) -> label
    ("loading", "_load_attendance"): "attendance query and records",
    ("workflow", "load_inputs"): "loading in all",
    ("fast", "owed_and_fingerprints"): "rules: lines, warnings, fingerprints",
    ("workflow", "store_drafts"): "storing the drafts",
}


def _time_phases(modules: dict) -> dict[str, float]:
    """Wrap the phases' functions so that their time adds up in the returned dict."""
    spent: dict[str, float] = {}
    for (module, name), label in PHASES.items():
        original = getattr(modules[module], name)

        def timed(*args, _original=original, _label=label, **kwargs):
            t0 = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - t0
        setattr(modules[module], name, timed)
    return spent


def measure(url: str, phases: bool = False) -> None:
    """Runs in a fresh process so peak memory is the run's own."""
    from sqlalchemy import delete, func, select, text
    from sqlmodel import Session

    import app.models  # noqa: F401  (every table, for the foreign keys)
    from app.common import personal_data
    from app.extensions import make_engine
    from app.providers.models import Provider
    from app.settlement import fast, loading, rules, service, workflow
    from app.settlement.models import Settlement, SettlementLine, SettlementWarning

    personal_data.configure("benchmark")
    engine = make_engine(url)
    first, last = rules.period_bounds(PERIOD)
    with engine.begin() as conn:  # a cold run: no drafts from an earlier measurement
        for model in (SettlementLine, SettlementWarning, Settlement):
            conn.execute(delete(model))
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    with engine.connect() as conn:
        rows_in_month = conn.execute(text("SELECT count(*) FROM attendance WHERE date BETWEEN :a AND :b"),
                                     {"a": first, "b": last}).scalar()
        floor = []
        for _ in range(3):
            t0 = time.perf_counter()
            conn.execute(text("SELECT placement_id, sum(hours), count(*) FROM attendance "
                              "WHERE date BETWEEN :a AND :b GROUP BY placement_id"),
                         {"a": first, "b": last}).all()
            floor.append(time.perf_counter() - t0)
    spent = _time_phases({"loading": loading, "workflow": workflow, "fast": fast}) if phases else {}
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with Session(engine) as session:
        result = service.run_period(session, PERIOD)
        session.commit()
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    floor_s = min(floor)
    run_phases = dict(spent)  # before the runs below add to it
    t0 = time.perf_counter()
    with Session(engine) as session:  # the monthly job runs again when nothing changed
        again = service.run_period(session, PERIOD)
        session.commit()
    warm = time.perf_counter() - t0
    with Session(engine) as session:
        stored = {model.__name__: session.execute(select(func.count()).select_from(model)).scalar()
                  for model in (SettlementLine, SettlementWarning)}
        stored["days"] = session.execute(select(func.sum(SettlementWarning.days))).scalar() or 0
        # The period page runs providers one at a time (its progress bar): time a few of those.
        orgs = session.execute(select(Provider.org_nr).order_by(Provider.org_nr)).scalars().all()
        single = []
        for org_nr in orgs[:: max(1, len(orgs) // 10)][:10]:
            t1 = time.perf_counter()
            service.run_period(session, PERIOD, org_nr)
            session.rollback()
            single.append(time.perf_counter() - t1)
    print(f"database:            {engine.dialect.name}")
    print(f"attendance in month: {rows_in_month:,}")
    print(f"drafts made:         {len(result.drafted)}")
    print(f"settlement run:      {wall:.2f} s")
    for label, seconds in run_phases.items():
        print(f"  {label + ':':<39} {seconds:.2f} s")
    store_s = _store_floor(engine)
    print(f"GROUP BY floor:      {floor_s:.2f} s  (run = {wall / floor_s:.1f} x floor)")
    print(f"GROUP BY + storing:  {floor_s + store_s:.2f} s  (the stored rows written again in bulk: "
          f"{store_s:.2f} s; run = {wall / (floor_s + store_s):.1f} x this floor)")
    print(f"peak memory (RSS):   {peak / 1024:.0f} MB (process start {base_rss / 1024:.0f} MB)")
    print(f"stored:              {stored['SettlementLine']:,} lines, {stored['SettlementWarning']:,} warnings "
          f"(runs of {stored['days']:,} unpaid days)")
    print(f"run again:           {warm:.2f} s ({len(again.unchanged)} drafts unchanged)")
    print(f"one provider again:  {sorted(single)[len(single) // 2]:.2f} s median of {len(single)} "
          f"(max {max(single):.2f} s)")
    engine.dispose()


def _store_floor(engine) -> float:
    """The second half of the floor: the run's stored lines and warnings written again with one
    bulk statement per table (COPY on PostgreSQL, executemany on SQLite, as storing does), into
    the same tables with their keys and indexes, then rolled back. Best of three."""
    from sqlalchemy import select
    from sqlmodel import Session

    from app.settlement import storing
    from app.settlement.models import SettlementLine, SettlementWarning

    tables = [(storing._table(SettlementLine), storing._LINE_COLUMNS),
              (storing._table(SettlementWarning), storing._WARNING_COLUMNS)]
    with Session(engine) as session:
        rows = [[tuple(r) for r in session.execute(select(*(table.c[c] for c in columns)))]
                for table, columns in tables]
    best = float("inf")
    for _ in range(3):
        with Session(engine) as session:
            session.connection()
            t0 = time.perf_counter()
            for (table, columns), stored in zip(tables, rows, strict=True):
                storing._bulk_insert(session, table, columns, iter(stored))
            best = min(best, time.perf_counter() - t0)
            session.rollback()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    parser.add_argument("--placements", type=int, default=100_000)
    parser.add_argument("--providers", type=int, default=300)
    parser.add_argument("--phase", choices=["all", "build", "measure"], default="all")
    parser.add_argument("--phases", action="store_true", help="also print where the run's time goes")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='kundval-bench-')}/bench.db"
    if args.phase in ("all", "build"):
        t0 = time.perf_counter()
        build(url, args.placements, args.providers)
        print(f"built synthetic data in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if args.phase == "measure":
        measure(url, args.phases)
    elif args.phase == "all":
        subprocess.run([sys.executable, __file__, "--db", url, "--phase", "measure",
                        *(["--phases"] if args.phases else [])], check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})


if __name__ == "__main__":
    main()
