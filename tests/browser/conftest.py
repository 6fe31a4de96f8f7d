"""Browser tests: the real app on a free port, driven by headless Chromium through Playwright.

One server per test session (CSRF and rate limits on, a migrated SQLite file); every test
starts from empty tables and gets a fresh browser context. Screenshots go to
test-artifacts/screenshots/, so a person can look at what the tests saw.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app
from app.auth.service import hash_password
from app.common.migrate import upgrade
from tests.common.conftest import compile_catalogs
from tests.conftest import PASSWORD, ROOT, clear_tables

CHROMIUM = Path("/usr/bin/chromium")
# Playwright cannot download its own browser here; Debian's Chromium with quiet, offline flags.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 740}
HERE = Path(__file__).resolve().parent
expect.set_options(timeout=15_000)  # assertions wait as long as a loaded CI machine may need


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test; under xdist they share one worker and server."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def _require_chromium() -> None:
    """Skip on a developer machine without Chromium; in CI a missing browser is a failure."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (make venv)"
    if problem:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"browser tests must run in CI, but {problem}", pytrace=False)
        pytest.skip(f"browser tests need Chromium: {problem}")


@functools.cache
def _cached_hash(password: str) -> str:
    return hash_password(password)


@dataclass
class LiveServer:
    """The running app: its base URL, the Flask app and helpers that arrange data in it."""

    url: str
    app: object
    database_url: str

    @contextmanager
    def session(self) -> Iterator:
        """A database session in the app's context; committed when the block ends without error."""
        from app.extensions import db

        with self.app.app_context():
            try:
                yield db.session
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise

    def user(self, role: str, email: str | None = None, password: str = PASSWORD,
             name: str = "", provider_org_nr: str | None = None, second_factor: bool = True):
        """A user with a known password (PASSWORD unless given), made by the real service.

        Staff users get an authenticator app with a secret known to login() (see totp_secret),
        unless second_factor=False: then they enrol at their first sign-in.
        """
        from app.auth import second_factor as factors
        from app.auth import service

        # Argon2 takes most of a second here; one real hash per password serves every test.
        with self.session() as session, \
                mock.patch.object(service, "hash_password", _cached_hash):
            user = service.create_user(session, email=email or f"{role}@test.example", role=role,
                                       password=password, name=name,
                                       provider_org_nr=provider_org_nr)
            if second_factor and factors.required_for(user):
                factors.enrol_known_secret(session, user, totp_secret(user.email))
            return user

    def provider(self, ref: str = "P1", org_nr: str = "556677-8899",
                 name: str = "Arbetsvägen AB", status: str = "approved"):
        """An approved provider, made through the import format like real data."""
        from app.exchange.importer import import_document

        with self.session() as session:
            import_document(session, {"providers": [
                {"ref": ref, "org_nr": org_nr, "name": name, "status": status}]})
        return {"ref": ref, "org_nr": org_nr, "name": name, "status": status}

    def reset(self) -> None:
        """Empty every table and forget rate-limit counts, so tests don't see each other."""
        from app.extensions import limiter

        clear_tables(self.database_url)
        with self.app.app_context():
            limiter.reset()


@pytest.fixture(scope="session")
def _server(tmp_path_factory) -> Iterator[LiveServer]:
    _require_chromium()
    compile_catalogs()
    tmp = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{tmp / 'browser.db'}"
    upgrade(database_url)
    app = create_app({
        "TESTING": False,  # real error pages, as a person sees them
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "PERSONAL_ID_KEY": "test-personal-id-key",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SESSION_COOKIE_SECURE": False,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "TASKS_URL": f"sqlite:///{tmp / 'tasks.db'}",
    })
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, database_url)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["db_engine"].dispose()


@pytest.fixture
def live_server(_server) -> LiveServer:
    _server.reset()
    _secrets.clear()
    _last_step.clear()
    return _server


@pytest.fixture
def task_worker(live_server):
    """`flask tasks worker` on the live server's database and queue, stopped after the test."""
    from tests.tasks.helpers import worker

    with worker(live_server.database_url, live_server.app.config["TASKS_URL"]) as proc:
        yield proc


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                      headless=True)
        yield chromium
        chromium.close()


def _new_page(browser, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, locale="sv-SE",
                                  timezone_id="Europe/Stockholm", **options)
    # Generous: a loaded two-core CI machine (argon2 at sign-in, WeasyPrint) can take seconds;
    # a real failure still fails, only later.
    context.set_default_timeout(30_000)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    """A desktop-sized page (1280x800) in a fresh context: no cookies from other tests."""
    context, pg = _new_page(browser, DESKTOP)
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser):
    """A 320 px wide phone page, the narrowest screen the layout must fit."""
    context, pg = _new_page(browser, PHONE, is_mobile=True, has_touch=True)
    yield pg
    context.close()


def totp_secret(email: str) -> str:
    """The authenticator secret LiveServer.user() gives a staff user: derived from the e-mail."""
    return base64.b32encode(hashlib.sha256(email.encode()).digest()[:20]).decode()


_secrets: dict[str, str] = {}  # e-mail -> secret read from the enrolment page
_last_step: dict[str, int] = {}  # secret -> the last 30-second step typed (a code works once)


def totp_code(secret: str) -> str:
    """The next code the app would show that the server has not seen yet (a code works once,
    and the server takes one step ahead at most: a third sign-in in a step waits for the next)."""
    import pyotp

    now = int(time.time() // 30)
    step = max(now, _last_step.get(secret, 0) + 1)
    if step > now + 1:
        time.sleep((step - 1) * 30 - time.time() + 0.5)
    _last_step[secret] = step
    return pyotp.TOTP(secret).at(step * 30)


def second_step(page, email: str) -> None:
    """Finish a staff sign-in on the second-factor page (in either language): enrol if asked,
    else type the code."""
    secret_text = page.locator("#totp-secret")
    code_field = page.locator("input[name=code]")
    if secret_text.count():
        secret = "".join(secret_text.inner_text().split())
        _secrets[email] = secret
        code_field.fill(totp_code(secret))
        page.locator("form button[type=submit]").click()
        page.locator(".recovery-codes ~ p a.button").click()
    else:
        secret = _secrets.get(email) or totp_secret(email)
        code_field.fill(totp_code(secret))
        page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def login(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form, as a person would (with the second factor for staff)."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    if "/login/tva-steg" in page.url:
        second_step(page, email)


def shot(page, name: str, full_page: bool = True) -> Path:
    """Save a PNG of the page to test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
