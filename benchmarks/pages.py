"""Benchmark: the pages people wait for, served by gunicorn (2 workers) from PostgreSQL.

Builds a municipality of N clients (one placement each, a month of attendance; one large
provider with a tenth of the placements, one with ten) in its own database, serves it on
127.0.0.1 at a free port, and measures each page with `wrk` (Debian's package) at 50
connections for a bounded time, beside `GET /login` of the same app in the same run:

    .venv/bin/python benchmarks/pages.py                         # 20 000 clients, 20 s a page
    .venv/bin/python benchmarks/pages.py --clients 5000 --seconds 10
    .venv/bin/python benchmarks/pages.py --phase measure          # the database is already built

Sessions are made with the app's own secret (password and second factor done), as the tests'
login helper does; the API uses real tokens.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SECRET = "benchmark-pages-secret"
KEY = "benchmark"  # the personal-id key benchmarks/settlement.py encrypts with
GRID_PERIOD = "2026-10"
PUT_PERIOD = "2026-11"
WRK_SCRIPT = """
local body = os.getenv("WRK_BODY")
if body and body ~= "" then
  wrk.method = "PUT"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %f %f %f %f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.status, summary.errors.timeout + summary.errors.connect + summary.errors.read))
end
"""


def database_url(base: str, name: str) -> str:
    """Create the benchmark's own database (dropped and made again) and return its URL."""
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def make_app(url: str):
    from app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "PERSONAL_ID_KEY": KEY,
                       "RATELIMIT_ENABLED": False, "TESTING": False})


def build(url: str, clients: int) -> None:
    """The settlement benchmark's municipality, reshaped: one large provider, one small, users."""
    import settlement as base
    from sqlalchemy import text

    providers = max(10, clients // 200)
    base.build(url, clients, providers)
    app = make_app(url)
    from app.extensions import db

    with app.app_context():
        conn = db.session.connection()
        first_of = dict(conn.execute(text("SELECT provider_id, min(id) FROM offering GROUP BY provider_id")).all())
        # A tenth of all placements at provider 1 (the grid's worst case), ten at the last one.
        conn.execute(text("UPDATE placement SET offering_id = :o WHERE id % 10 = 0"), {"o": first_of[1]})
        conn.execute(text("UPDATE placement SET offering_id = :o WHERE offering_id IN "
                          "(SELECT id FROM offering WHERE provider_id = :p)"),
                     {"o": first_of[2], "p": providers})
        conn.execute(text("UPDATE placement SET offering_id = :o WHERE id IN "
                          "(SELECT id FROM placement WHERE id % 10 = 5 ORDER BY id LIMIT 10)"),
                     {"o": first_of[providers]})
        # History: every second client also had an earlier placement with the same provider that
        # ended in December 2025, one in five of them with a verified job within 90 days, so the
        # client's compare page weighs providers' results over a real past (10 000 at 20 000).
        conn.execute(text(
            "INSERT INTO placement (id, created_at, updated_at, ref, referral_id, offering_id, chosen_by, "
            "start_date, ended_on, end_reason, first_meeting_place) SELECT id + (SELECT max(id) FROM placement), "
            "now(), now(), 'H' || ref, referral_id, offering_id, 'client', DATE '2025-09-01', DATE '2025-12-19', "
            "'completed', '' FROM placement WHERE id % 2 = 1"))
        conn.execute(text("SELECT setval('placement_id_seq', (SELECT max(id) FROM placement))"))
        conn.execute(text(
            "INSERT INTO outcome (created_at, updated_at, ref, placement_id, kind, result_date, verified_on, "
            "employer, extent, rejection_reason, employment_form) SELECT now(), now(), 'O' || ref, id, "
            "'employment', DATE '2026-01-15', DATE '2026-01-20', 'Bench AB', '', '', '' "
            "FROM placement WHERE ref LIKE 'H%' AND id % 10 < 3"))
        # Some days not reported, so the grid's missing-days filter finds something.
        conn.execute(text("DELETE FROM attendance WHERE placement_id % 7 = 0 AND date = '2026-10-14'"))
        # The rows went in round the ORM (as an import's do): their days' masks are written anew.
        from app.kundval import placement_windows, reported_days

        dates = conn.execute(text("SELECT DISTINCT date FROM attendance")).scalars()
        reported_days.rewrite_periods(db.session, {str(day)[:7] for day in dates})
        placement_windows.rewrite(db.session)  # the placements moved between providers above
        db.session.commit()
    with app.app_context():
        _users(db.session, providers)
        db.session.commit()
    with app.app_context():
        # The finance pages need settlements: October drafted for every provider and approved;
        # the approval queues a rewrite of the follow-up's kept facts of 2026 (app/followup/kept.py),
        # which the refresh below does here at once (the queued job then finds nothing to do).
        from datetime import date

        from app.followup import kept
        from app.settlement import service as settlement

        t0 = time.perf_counter()
        settlement.run_period(db.session, GRID_PERIOD)
        settlement.approve_period(db.session, GRID_PERIOD)
        db.session.commit()
        print(f"settled and approved {GRID_PERIOD} (kept facts queued) in "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
        t0 = time.perf_counter()
        rows = kept.refresh(db.session, None, date.today())
        db.session.commit()
        print(f"nightly refresh of the kept facts: {rows:,} figure rows in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
    with app.app_context():
        db.session.connection().execute(text("ANALYZE"))
        db.session.commit()


def _users(session, providers: int) -> None:
    from sqlalchemy import select, text

    from app.auth.models import User
    from app.kundval.models import Client, Referral
    from app.offerings.models import Offering
    from app.providers import service as provider_service
    from app.providers.models import Provider

    def user(email, role, provider_id=None):
        found = User(email=email, role=role, provider_id=provider_id, password_hash="x", name=role)
        session.add(found)
        session.flush()
        return found

    worker = user("handlaggare@bench.example", "case_worker")
    user("ledning@bench.example", "management")
    user("ekonomi@bench.example", "finance")
    user("admin@bench.example", "admin")
    # The case worker's own clients: one in 70 (Enköping: 57-80 per case worker).
    session.execute(text("UPDATE client SET case_worker_id = :w WHERE id % 70 = 0"), {"w": worker.id})
    tokens = {}
    for label, pid in (("large", 1), ("small", providers)):
        provider_user = user(f"anordnare{pid}@bench.example", "provider", pid)
        _token, tokens[label] = provider_service.create_token(session, provider_user, "benchmark")
    client_user = user("deltagare@bench.example", "client")
    client = session.get(Client, 1)
    client.user_id = client_user.id
    referral = session.execute(select(Referral).where(Referral.client_id == 1)).scalar_one()
    offerings = session.execute(select(Offering.id).where(Offering.service_type == referral.service_type)
                                .order_by(Offering.id).limit(3)).scalars().all()
    session.execute(text("UPDATE offering SET status = 'published'"))
    big = session.execute(text("SELECT p.ref FROM placement p JOIN offering o ON o.id = p.offering_id "
                               "WHERE o.provider_id = 1 ORDER BY p.id LIMIT 1")).scalar()
    small = session.execute(text("SELECT p.ref FROM placement p JOIN offering o ON o.id = p.offering_id "
                                 "WHERE o.provider_id = :p ORDER BY p.id LIMIT 1"), {"p": providers}).scalar()
    counts = dict(session.execute(text("SELECT o.provider_id, count(*) FROM placement p JOIN offering o "
                                       "ON o.id = p.offering_id WHERE o.provider_id IN (1, :p) "
                                       "GROUP BY o.provider_id"), {"p": providers}).all())
    names = dict(session.execute(select(Provider.id, Provider.name)).all())
    state = {"tokens": tokens, "referral": referral.id, "offerings": list(offerings),
             "placements": {"large": big, "small": small},
             "sizes": {"large": counts.get(1, 0), "small": counts.get(providers, 0)},
             "providers": {"large": names[1], "small": names[providers]}}
    session.execute(text("CREATE TABLE IF NOT EXISTS bench_state (body text)"))
    session.execute(text("DELETE FROM bench_state"))
    session.execute(text("INSERT INTO bench_state VALUES (:b)"), {"b": json.dumps(state)})


def cookies(app) -> dict[str, str]:
    """A signed-in session cookie per role, made with the app's secret like tests' login_user."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db

    result = {}
    with app.app_context():
        users = db.session.execute(select(User).where(User.email.like("%@bench.example"))).scalars().all()
        for found in users:
            client = app.test_client()
            with client.session_transaction() as sess:
                sess["_user_id"] = str(found.id)
                sess["_fresh"] = True
                sess["second_factor_user"] = found.id
            cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
            result[found.email.split("@")[0]] = f"{cookie.key}={cookie.value}"
        db.session.rollback()
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "PERSONAL_ID_KEY": KEY,
           "RATELIMIT_ENABLED": "0"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120",
                             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10)
            return proc
        except OSError:  # refused while starting, or a first answer slower than the timeout
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("gunicorn did not answer")


class _Keep(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is the answer measured (and shown as its status)


NO_REDIRECTS = urllib.request.build_opener(_Keep)


def single(url: str, headers: dict, method: str = "GET", body: bytes | None = None,
           times: int = 5) -> tuple[int, int, float]:
    """(status, bytes, median seconds) of `times` requests one after another."""
    status, size, spent = alone(url, headers, method, body, times)
    return status, size, statistics.median(spent)


def alone(url: str, headers: dict, method: str = "GET", body: bytes | None = None,
          times: int = 40) -> tuple[int, int, list[float]]:
    """(status, bytes, seconds of each) of `times` requests one after another: what one user
    waits for when no one else is asking. Two requests first, not counted, so that each of the two
    workers has read its templates and built its statements."""
    for _ in range(2):
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with NO_REDIRECTS.open(request, timeout=120) as response:
                response.read()
        except (urllib.error.HTTPError, TimeoutError):
            pass
    spent, status, size = [], 0, 0
    for _ in range(times):
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        t0 = time.perf_counter()
        try:
            with NO_REDIRECTS.open(request, timeout=120) as response:
                status, size = response.status, len(response.read())
        except urllib.error.HTTPError as exc:
            status, size = exc.code, len(exc.read())
        except TimeoutError:
            status, size = 0, 0  # shown as status 0: no answer within the timeout
        spent.append(time.perf_counter() - t0)
    return status, size, spent


def load(url: str, headers: dict, seconds: int, connections: int, script: str, body: str = "") -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", script]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 90,
                         env={**os.environ, "WRK_BODY": body}).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, duration, p50, p95, p99, peak, bad, errors = line.split()[1:]
    # wrk counts in microseconds.
    return {"rps": int(requests) / (int(duration) / 1e6), "p50": float(p50) / 1e6,
            "p95": float(p95) / 1e6, "p99": float(p99) / 1e6, "non_2xx": int(bad), "errors": int(errors)}


def drain(base: str, limit: float = 180) -> float:
    """Wait until the queue that a slow page left behind is worked off (GET /login answers fast)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        try:
            _status, _size, spent = single(base + "/login", {}, times=1)
        except OSError:
            spent = 99.0
        if spent < 0.2:
            break
        time.sleep(1)
    return time.perf_counter() - t0


def month_body(day: int) -> str:
    return json.dumps({"days": [{"date": f"{PUT_PERIOD}-{d:02d}", "hours": "6" if day % 2 else "7.5"}
                                for d in (2, 3, 4, 5, 6)]})


def measure(url: str, seconds: int, connections: int, only: str = "") -> None:
    from sqlalchemy import text

    from app.extensions import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        state = json.loads(conn.execute(text("SELECT body FROM bench_state")).scalar())
        clients = conn.execute(text("SELECT count(*) FROM client")).scalar()
    engine.dispose()
    app = make_app(url)
    jar = cookies(app)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = {"Authorization": f"Bearer {state['tokens']['large']}"}
    compare = "&".join(f"o={o}" for o in state["offerings"])
    big = state["placements"]["large"]
    pages = [
        ("GET /login (floor)", "/login", {}, ""),
        ("case worker's client list (all)", "/handlaggare/deltagare?visa=alla", {"Cookie": jar["handlaggare"]}, ""),
        ("case worker's list, all, filter placed", "/handlaggare/deltagare?visa=alla&filter=placerade",
         {"Cookie": jar["handlaggare"]}, ""),
        ("case worker's list, all, sorted by name p.3", "/handlaggare/deltagare?visa=alla&sortera=namn&sida=3",
         {"Cookie": jar["handlaggare"]}, ""),
        ("case worker's own clients", "/handlaggare/deltagare", {"Cookie": jar["handlaggare"]}, ""),
        ("case worker's results to verify (all)", "/handlaggare/resultat?visa=alla",
         {"Cookie": jar["handlaggare"]}, ""),
        (f"provider's grid, page 1 of {state['sizes']['large']}", f"/rapportering/{GRID_PERIOD}",
         {"Cookie": jar["anordnare1"]}, ""),
        ("provider's grid, missing days", f"/rapportering/{GRID_PERIOD}?saknas=1",
         {"Cookie": jar["anordnare1"]}, ""),
        ("key figures", "/uppfoljning/", {"Cookie": jar["ledning"]}, ""),
        ("key figures by provider", "/uppfoljning/?dimension=provider", {"Cookie": jar["ledning"]}, ""),
        ("budget", "/uppfoljning/budget", {"Cookie": jar["ledning"]}, ""),
        ("levels and parking", "/uppfoljning/nivaer", {"Cookie": jar["ledning"]}, ""),
        ("finance: periods", "/avrakning/", {"Cookie": jar["ekonomi"]}, ""),
        (f"finance: period {GRID_PERIOD}", f"/avrakning/{GRID_PERIOD}", {"Cookie": jar["ekonomi"]}, ""),
        ("admin: audit log", "/admin/granskningslogg", {"Cookie": jar["admin"]}, ""),
        ("admin: access log", "/admin/atkomstlogg", {"Cookie": jar["admin"]}, ""),
        ("provider's results", "/rapportering/resultat", {"Cookie": jar["anordnare1"]}, ""),
        ("client's compare page", f"/deltagare/beslut/{state['referral']}/jamfor?{compare}",
         {"Cookie": jar["deltagare"]}, ""),
        ("API GET /placements (first page)", "/api/v1/placements", api, ""),
        ("API PUT one placement's month", f"/api/v1/placements/{big}/attendance/{PUT_PERIOD}",
         api, month_body(1)),
    ]
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(WRK_SCRIPT)
    script.close()
    server = serve(url, port)
    try:
        print(f"load before: {os.getloadavg()[0]:.2f}; clients: {clients:,}; large provider {state['sizes']['large']:,} placements, "
              f"small {state['sizes']['small']}; {connections} connections, {seconds} s a page; "
              f"gunicorn 2 workers on 127.0.0.1:{port}")
        print("single: median and p95 of 40 requests one after another; then at the connections:")
        print(f"{'page':<42} {'status':>6} {'size':>10} {'single':>9} {'alone p95':>9} {'req/s':>8} "
              f"{'p50':>8} {'p95':>8} {'p99':>8} floor  non-2xx/errors")
        floor = 0.0
        for label, path, headers, body in pages:
            if only and not any(part in label for part in only.split(",")) and "floor" not in label:
                continue
            method = "PUT" if body else "GET"
            hdrs = {**headers, **({"Content-Type": "application/json"} if body else {})}
            status, size, each = alone(base + path, hdrs, method, body.encode() if body else None)
            one, one_p95 = statistics.median(each), statistics.quantiles(each, n=20)[-1]
            result = load(base + path, headers, seconds, connections, script.name, body)
            after = drain(base)
            floor = floor or result["p95"]
            print(f"{label:<42} {status:>6} {size / 1024:>8.1f} kB {one * 1000:>7.0f} ms {one_p95 * 1000:>7.0f} ms "
                  f"{result['rps']:>8.1f} {result['p50'] * 1000:>6.0f} ms {result['p95'] * 1000:>6.0f} ms "
                  f"{result['p99'] * 1000:>6.0f} ms {result['p95'] / floor:>5.1f}x "
                  f"{result['non_2xx'] + result['errors']:>7}  load {os.getloadavg()[0]:.1f}"
                  + (f"  (busy {after:.0f} s after)" if after > 2 else ""), flush=True)
        for label in ("small", "large") if not only or "PUT" in only else ():
            token = {"Authorization": f"Bearer {state['tokens'][label]}", "Content-Type": "application/json"}
            ref = state["placements"][label]
            spent = []
            for i in range(20):  # alternating bodies, so every PUT writes
                _s, _n, seconds_one = single(f"{base}/api/v1/placements/{ref}/attendance/{PUT_PERIOD}",
                                             token, "PUT", month_body(i).encode(), times=1)
                spent.append(seconds_one)
            print(f"single PUT, provider with {state['sizes'][label]:>6,} placements: "
                  f"{statistics.median(spent) * 1000:.1f} ms median of 20 (max {max(spent) * 1000:.1f} ms)")
    finally:
        server.terminate()
        server.wait(timeout=30)
        os.unlink(script.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=20, help="load per page (at most 60)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server URL, without a database")
    parser.add_argument("--database", default="kundval_bench_pages")
    parser.add_argument("--phase", choices=["all", "build", "measure"], default="all")
    parser.add_argument("--only", default="", help="measure only pages whose label contains one of these "
                                                   "comma-separated texts (the floor always)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    seconds = max(1, min(args.seconds, 60))
    if args.phase in ("all", "build"):
        t0 = time.perf_counter()
        url = database_url(args.server, args.database)
        build(url, args.clients)
        print(f"built {args.clients:,} clients in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    url = f"{args.server}/{args.database}"
    if args.phase in ("all", "measure"):
        measure(url, seconds, args.connections, args.only)


if __name__ == "__main__":
    main()
