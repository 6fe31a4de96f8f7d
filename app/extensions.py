"""Extension objects, created once and bound to the app in create_app()."""
from __future__ import annotations

import warnings

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from app.common.i18n import KundvalBabel

# SQLite stores NUMERIC as a number; amounts have two decimals and are quantized on the way
# out, so the conversion warning is expected noise there.
warnings.filterwarnings("ignore", category=sa_exc.SAWarning, message=".*Decimal objects natively.*")


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine with the settings both databases need (foreign keys and WAL on SQLite)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    kwargs: dict = {"echo": echo}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # let SQLAlchemy issue BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # IMMEDIATE takes the write lock at the start, so two writers queue instead of
            # failing half-way with "database is locked". A reading engine (reading()) begins
            # a plain deferred transaction: in WAL mode it reads one snapshot and blocks nobody.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")
    return engine


READ_ONLY = "kundval_read_only"


def reading(engine: Engine) -> Engine:
    """The same engine and pool for work that only reads (a job's long computation): on SQLite
    its transactions do not take the write lock, so web requests that write go on meanwhile."""
    return engine.execution_options(**{READ_ONLY: True})


class Database:
    """Each app's engine and a per-app-context session (one transaction per user action)."""

    def init_app(self, app: Flask) -> None:
        app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"],
                                                  app.config.get("SQL_ECHO", False))

        @app.teardown_appcontext
        def _close_session(exc):
            session = g.pop("db_session", None)
            if session is not None:
                if exc is not None:
                    session.rollback()
                session.close()

    @property
    def engine(self) -> Engine:
        return current_app.extensions["db_engine"]

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = Session(self.engine, expire_on_commit=False)
        return g.db_session


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = KundvalBabel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
