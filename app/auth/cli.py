"""`flask users create`: the password is prompted for, or read from stdin, never an argument."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.auth import service
from app.common.errors import ValidationError
from app.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Lösenord", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True)
@click.option("--provider", "provider_org_nr", default=None, help="Org nr, for provider users.")
@click.option("--name", default="")
def create_cmd(email: str, role: str, provider_org_nr: str | None, name: str) -> None:
    """Create a user with role admin, case_worker, finance, management or provider."""
    password = _read_password()
    session = db.session
    try:
        user = service.create_user(session, email=email, role=role, password=password, name=name,
                                   provider_org_nr=provider_org_nr)
        session.commit()
    except ValidationError as exc:
        session.rollback()
        click.echo(f"{exc.field}: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"Skapade {user.email} ({user.role}).")
