"""Shared fixtures: the app on SQLite and on PostgreSQL, a client, a CLI runner, login as a role.

Every test that uses `app` or `session` runs once per database backend. The schema is made
once per backend with the real migrations; each test starts from empty tables.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from app import create_app
from app.common.migrate import upgrade
from app.extensions import make_engine

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).resolve().parent / "data" / "cases"
PASSWORD = "korrekt-hast-batteri"


def _worker_suffix() -> str:
    # KUNDVAL_TEST_DB_SUFFIX keeps two test runs on one machine apart (e.g. two checkouts).
    return os.environ.get("KUNDVAL_TEST_DB_SUFFIX", "") + os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_url_for_worker() -> str:
    """One database per xdist worker, created on first use, so parallel runs don't collide."""
    base = TEST_DATABASE_URL
    name = f"kundval_test_{_worker_suffix()}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def _reset_schema(url: str) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path_factory) -> str:
    if request.param == "postgresql":
        if not TEST_DATABASE_URL:
            pytest.skip("TEST_DATABASE_URL is not set")
        url = _postgres_url_for_worker()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    _reset_schema(url)
    return url


def clear_tables(url: str) -> None:
    import app.models  # noqa: F401

    engine = make_engine(url)
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in reversed(tables):
                conn.execute(text(f'DELETE FROM "{t}"'))
    engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    clear_tables(database_url)
    application = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "PERSONAL_ID_KEY": "test-personal-id-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "TASKS_URL": f"sqlite:///{tmp_path / 'tasks.db'}",
    })
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session inside an app context, for arranging data and checking results."""
    from app.extensions import db

    with app.app_context():
        yield db.session


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgres") else "sqlite"


class Auth:
    """Creates users by role and signs the test client in as one of them."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def user(self, role: str, email: str | None = None, provider_org_nr: str | None = None):
        from app.auth.service import create_user
        from app.extensions import db

        with self.app.app_context():
            user = create_user(db.session, email=email or f"{role}@test.example", role=role,
                               password=PASSWORD, provider_org_nr=provider_org_nr)
            db.session.commit()
            return user

    def login(self, role: str, email: str | None = None, provider_org_nr: str | None = None):
        user = self.user(role, email, provider_org_nr)
        self.login_user(user)
        return user

    def login_user(self, user) -> None:
        """A fully signed-in session: the password and (for staff) the second factor done."""
        with self.client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()  # "id.session_version"
            sess["_fresh"] = True
            sess["second_factor_user"] = user.id
        # A test that holds the `session` fixture keeps one app context (and so one `g`) across
        # requests: drop Flask-Login's cached user so the next request loads this one.
        from flask import g, has_app_context

        if has_app_context():
            g.pop("_login_user", None)

    def logout(self) -> None:
        with self.client.session_transaction() as sess:
            sess.clear()


@pytest.fixture
def auth(app, client) -> Auth:
    return Auth(app, client)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Argon2 with its production cost takes most of a second per hash on this hardware; tests
    create hundreds of users, so they use the same algorithm with the smallest cost."""
    from argon2 import PasswordHasher

    from app.auth import service

    real = service._hasher
    service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    service._hasher = real
