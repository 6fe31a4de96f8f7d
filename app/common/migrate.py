"""`flask db ...`: Alembic driven from the app's config, for SQLite and PostgreSQL alike."""
from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import AppGroup

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"

db_cli = AppGroup("db", help="Create or migrate the database schema (Alembic).")


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_cmd(revision: str) -> None:
    """Create or migrate the schema to REVISION (default: the newest)."""
    _ensure_sqlite_dir(current_app.config["DATABASE_URL"])
    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo("Databasen är uppdaterad.")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_cmd(revision: str) -> None:
    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def revision_cmd(message: str, autogenerate: bool) -> None:
    """Write a new migration, by default from the difference between models and schema."""
    _ensure_sqlite_dir(current_app.config["DATABASE_URL"])
    command.revision(alembic_config(current_app.config["DATABASE_URL"]), message=message,
                     autogenerate=autogenerate)


@db_cli.command("current")
def current_cmd() -> None:
    command.current(alembic_config(current_app.config["DATABASE_URL"]))


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
