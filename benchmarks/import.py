"""Benchmark: `flask data import` of a mid-size municipality's file (about 110 MB).

Generates an exchange file (shared/spec/exchange.md) with a year of a mid-size municipality's
data: 150 providers with 600 offerings, 14,000 clients, 18,000 decisions, 16,000 placements and
their attendance from November to October (about 1.15 million rows), 4,000 results. Then imports
it, each time in a fresh process, into a fresh SQLite file and a fresh PostgreSQL database, and
prints the wall time, the CPU time and the peak memory (ru_maxrss) of the importing process (the
CPU time is the figure to compare on a shared machine; the database server's own time is not in it).

    .venv/bin/python benchmarks/import.py                          # both databases
    .venv/bin/python benchmarks/import.py --db sqlite              # one of them
    .venv/bin/python benchmarks/import.py --scale 0.1              # a tenth, for a quick look
    .venv/bin/python benchmarks/import.py --order reversed         # attendance before placements
    .venv/bin/python benchmarks/import.py --pg postgresql://postgres@127.0.0.1:5432/kundval_bench_import

The PostgreSQL database named by --pg is dropped and created again (never use one that matters).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/kundval_bench_import"
SERVICE_TYPES = ("arbetsprovning", "arbetstraning", "praktik", "utredning")
FIRST_DAY, LAST_DAY = date(2025, 11, 1), date(2026, 10, 31)  # a year, all before today
COUNTS = {"providers": 150, "offerings_per_provider": 4, "clients": 15_000, "referrals": 20_000,
          "placements": 17_800, "outcomes": 4_400}
ORDERS = {
    "spec": ("providers", "offerings", "bonus_rules", "clients", "referrals", "placements",
             "attendance", "outcomes"),
    # Every reference points forward: the importer must find what later sections define.
    "reversed": ("outcomes", "attendance", "placements", "referrals", "clients", "bonus_rules",
                 "offerings", "providers"),
}


def org_nr(i: int) -> str:
    from stdnum import luhn

    base = f"55{i:07d}"[:9]
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


def personal_id(i: int) -> str:
    from stdnum import luhn

    birth = date(1962, 1, 1) + timedelta(days=i % 16000)
    serial = f"{(i // 16000) * 100 + i % 97 + 1:03d}"
    digits = birth.strftime("%y%m%d") + serial
    return birth.strftime("%Y%m%d") + "-" + serial + luhn.calc_check_digit(digits)


def _providers(n: int, rnd: random.Random):
    kinds = ["company"] * 8 + ["social_enterprise", "nonprofit"]
    for i in range(1, n + 1):
        yield {"ref": f"P{i}", "org_nr": org_nr(i), "name": f"Anordnare {i} AB",
               "status": "approved" if i % 15 else "suspended", "kind": rnd.choice(kinds),
               "email": f"info@anordnare{i}.example", "city": "Lund", "f_skatt": True}


RATES = {"hour": "125.00", "day": "850.00", "week": "3600.00", "package": "15000.00"}


def _offerings(providers: int, per: int, rnd: random.Random) -> list[dict]:
    offerings = []
    for p in range(1, providers + 1):
        for k in range(per):
            unit = "hour" if k < 2 else rnd.choice(["day", "week", "package", "hour"])
            offerings.append({
                "ref": f"O{p}-{k}", "provider": f"P{p}", "service_type": SERVICE_TYPES[(p + k) % 4],
                "title": f"Tjänst {k} hos anordnare {p}", "rate_unit": unit, "rate": RATES[unit],
                "vat_rate": rnd.choice([0, 25]), "capacity": 40, "start_share": 50,
                "default_choice": False, "area": rnd.choice(["Centrum", "Norr", "Söder", "Öster"]),
                "languages": ["sv", "en"]})
    return offerings


BONUS_RULES = [
    {"ref": f"B{i}", "priority": i, "service_types": [st], "min_age": 18, "max_age": 29,
     "newly_arrived": None, "placements_from": None, "placements_to": None,
     "outcome_kinds": ["employment", "studies"],
     "tiers": [{"max_days": 90, "amount": "10000.00"}, {"max_days": 180, "amount": "5000.00"}],
     "grace_days": 30, "sustain_days": 90, "sustain_amount": "5000.00"}
    for i, st in enumerate(SERVICE_TYPES, start=1)]


def _clients(n: int, rnd: random.Random):
    for i in range(1, n + 1):
        yield {"ref": f"C{i}", "personal_id": personal_id(i), "name": f"Deltagare {i} Testsson",
               "newly_arrived": rnd.random() < 0.2, "children_in_household": rnd.random() < 0.3,
               "language": rnd.choice(["sv", "sv", "sv", "ar", "so", "en"]), "area": "Centrum"}


def _plan(counts: dict, offerings: list[dict], rnd: random.Random):
    """Referrals, placements (each under its own referral) and their dates."""
    by_type: dict[str, list[dict]] = {st: [] for st in SERVICE_TYPES}
    for o in offerings:
        by_type[o["service_type"]].append(o)
    referrals, placements = [], []
    span = (LAST_DAY - FIRST_DAY).days
    for i in range(1, counts["referrals"] + 1):
        service_type = SERVICE_TYPES[i % 4]
        valid_from = FIRST_DAY + timedelta(days=rnd.randrange(span - 30))
        valid_to = valid_from + timedelta(days=rnd.choice([90, 120, 180]))
        referrals.append({
            "ref": f"R{i}", "client": f"C{(i - 1) % counts['clients'] + 1}", "service_type": service_type,
            "decided_on": (valid_from - timedelta(days=7)).isoformat(), "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat(),
            "max_hours_per_week": rnd.choice([None, None, None, "20", "30"]),
            "level": rnd.choice([None, "A", "B", "C"])})
        if i > counts["placements"]:
            continue
        start = valid_from + timedelta(days=rnd.randrange(14))
        ended = None if rnd.random() < 0.6 else min(start + timedelta(days=rnd.randrange(30, 150)), LAST_DAY)
        placements.append({
            "ref": f"PL{i}", "referral": f"R{i}", "offering": rnd.choice(by_type[service_type])["ref"],
            "chosen_by": rnd.choice(["client", "client", "case_worker", "default"]),
            "start_date": start.isoformat(), "ended_on": ended and ended.isoformat(),
            "end_reason": ended and rnd.choice(["completed", "result", "interrupted"]),
            "_last": min(ended or valid_to, valid_to, LAST_DAY)})
    return referrals, placements


def _attendance(placements: list[dict], rnd: random.Random):
    for p in placements:
        day, last = date.fromisoformat(p["start_date"]), p["_last"]
        hours = rnd.choice(["4", "6", "7.5", "8"])
        while day <= last:
            if day.weekday() < 5:
                if rnd.random() < 0.06:
                    yield {"placement": p["ref"], "date": day.isoformat(), "status": "absent", "hours": "0"}
                else:
                    yield {"placement": p["ref"], "date": day.isoformat(), "status": "present", "hours": hours}
            day += timedelta(days=1)


def _outcomes(placements: list[dict], n: int, rnd: random.Random):
    for i, p in enumerate(rnd.sample(placements, min(n, len(placements))), start=1):
        result = date.fromisoformat(p["start_date"]) + timedelta(days=rnd.randrange(20, 120))
        result = min(result, LAST_DAY)
        yield {"ref": f"U{i}", "placement": p["ref"], "kind": rnd.choice(["employment", "studies"]),
               "result_date": result.isoformat(),
               "verified_on": (result + timedelta(days=10)).isoformat() if result + timedelta(days=10) <= LAST_DAY
               else None, "sustained_verified_on": None, "employer": "Arbetsgivare AB"}


def generate(path: Path, scale: float = 1.0, order: str = "spec", seed: int = 2026) -> dict[str, int]:
    """Write the file one record per line; returns the number of records per section."""
    rnd = random.Random(seed)
    counts = {k: max(1, int(v * scale)) if k != "offerings_per_provider" else v for k, v in COUNTS.items()}
    counts["providers"] = max(4, counts["providers"])
    offerings = _offerings(counts["providers"], counts["offerings_per_provider"], rnd)
    referrals, placements = _plan(counts, offerings, rnd)
    sections = {
        "providers": lambda: _providers(counts["providers"], rnd),
        "offerings": lambda: iter(offerings),
        "bonus_rules": lambda: iter(BONUS_RULES),
        "clients": lambda: _clients(counts["clients"], rnd),
        "referrals": lambda: iter(referrals),
        "placements": lambda: ({k: v for k, v in p.items() if k != "_last"} for p in placements),
        "attendance": lambda: _attendance(placements, rnd),
        "outcomes": lambda: _outcomes(placements, counts["outcomes"], rnd),
    }
    written = {}
    with open(path, "w", encoding="utf-8") as out:
        out.write("{")
        for s, name in enumerate(ORDERS[order]):
            out.write(("," if s else "") + f'\n"{name}": [')
            n = 0
            for n, record in enumerate(sections[name](), start=1):
                out.write(("," if n > 1 else "") + "\n" + json.dumps(record, ensure_ascii=False))
            out.write("\n]")
            written[name] = n
        out.write("\n}\n")
    return written


def fresh_database(kind: str, pg_url: str, folder: Path) -> str:
    """A new empty database with the schema (Alembic), as `flask db upgrade` makes it."""
    from sqlalchemy import create_engine, text

    from app.common.migrate import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{folder / 'import.db'}"
    else:
        base, name = pg_url.rsplit("/", 1)
        if name in ("test", "postgres", "kundval"):
            raise SystemExit(f"refusing to drop the database {name!r}: give --pg a benchmark database")
        admin = create_engine(f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = pg_url
    upgrade(url)
    return url


def run_import(url: str, path: Path) -> None:
    """In this process (started fresh by main): `flask data import FILE` through the CLI."""
    from app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark", "PERSONAL_ID_KEY": "benchmark"})
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["data", "import", str(path)])
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"exit_code": result.exit_code, "seconds": round(seconds, 1),
                      "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_before, 1),
                      "peak_mb": round(usage.ru_maxrss / 1024), "output": result.output.strip()[:300]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default=PG_DEFAULT, help="a PostgreSQL database to drop and fill")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--order", choices=sorted(ORDERS), default="spec")
    parser.add_argument("--file", type=Path, help="import this file instead of generating one")
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument("--_import", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._import:
        run_import(args._import[0], Path(args._import[1]))
        return
    with tempfile.TemporaryDirectory(prefix="kundval-import-") as tmp:
        folder = Path(tmp)
        path = args.file
        if path is None:
            path = (Path(tempfile.gettempdir()) if args.keep else folder) / f"import-{args.scale}-{args.order}.json"
            start = time.perf_counter()
            counts = generate(path, args.scale, args.order)
            print(f"generated {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s: "
                  + ", ".join(f"{n} {name}" for name, n in counts.items()))
        kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        for kind in kinds:
            url = fresh_database(kind, args.pg, folder)
            load = os.getloadavg()[0]
            out = subprocess.run([sys.executable, __file__, "--_import", url, str(path)], check=True,
                                 capture_output=True, text=True, cwd=ROOT)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{kind:10} import: {figures['seconds']:7.1f} s ({figures['cpu_seconds']:.1f} s CPU of the "
                  f"importing process), peak {figures['peak_mb']:5d} MB, "
                  f"exit {figures['exit_code']}, load average before {load:.1f}: {figures['output']}")


if __name__ == "__main__":
    main()
