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


@users_cli.command("reset-second-factor")
@click.option("--email", required=True)
def reset_second_factor_cmd(email: str) -> None:
    """Remove a user's authenticator app and recovery codes (for a locked-out last admin); audited."""
    from sqlmodel import select

    from app.auth import second_factor
    from app.auth.models import User

    session = db.session
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        click.echo("email: ingen användare med den e-postadressen", err=True)
        sys.exit(1)
    second_factor.reset(session, user, actor_id=None, reason="flask users reset-second-factor")
    session.commit()
    click.echo(f"Tvåstegsverifieringen för {user.email} är återställd.")
