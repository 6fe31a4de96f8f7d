"""`flask settlement run|approve|export` and `flask period close`, as exchange.md describes."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.common.errors import ValidationError
from app.extensions import db
from app.settlement import service

settlement_cli = AppGroup("settlement", help="Monthly settlements: drafts, approval, export.")
period_cli = AppGroup("period", help="Close a month.")

EXPORT_FORMATS = ("json",)


def _fail(exc: ValidationError) -> None:
    db.session.rollback()
    click.echo(f"{exc.field}: {exc.message}", err=True)
    sys.exit(1)


def _list(orgs) -> str:
    return ", ".join(orgs) if orgs else "inga"


@settlement_cli.command("run")
@click.option("--period", required=True, help="YYYY-MM")
@click.option("--provider", "provider", default=None, help="Organisationsnummer")
def run_cmd(period: str, provider: str | None) -> None:
    """Make or replace drafts for the period."""
    try:
        result = service.run_period(db.session, period, provider)
        db.session.commit()
    except ValidationError as exc:
        _fail(exc)
    click.echo(f"{period}: utkast gjorda för {_list(result.drafted)}; oförändrade: {_list(result.unchanged)}; "
               f"redan avräknade: {_list(result.skipped_settled)}"
               + (f"; borttagna utkast: {_list(result.removed)}" if result.removed else ""))


@settlement_cli.command("approve")
@click.option("--period", required=True, help="YYYY-MM")
@click.option("--provider", "provider", default=None, help="Organisationsnummer")
def approve_cmd(period: str, provider: str | None) -> None:
    """Approve the period's drafts; each gets the next number of the year."""
    try:
        result = service.approve_period(db.session, period, provider)
        db.session.commit()
    except ValidationError as exc:
        _fail(exc)
    if not result.approved:
        click.echo(f"{period}: inga utkast att godkänna.")
    for org_nr, number in result.approved:
        click.echo(f"{period}: {org_nr} godkänd som {number}")


@settlement_cli.command("export")
@click.option("--period", required=True, help="YYYY-MM")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export_cmd(period: str, fmt: str, out: Path | None) -> None:
    """Export the period's settlements (stdout without --out)."""
    try:
        document = service.export_period(db.session, period)
    except ValidationError as exc:
        _fail(exc)
    payload = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(payload, nl=False)
    else:
        out.write_text(payload, encoding="utf-8")
        click.echo(f"Skrev {out}", err=True)


@period_cli.command("close")
@click.argument("period")
def close_cmd(period: str) -> None:
    """Close PERIOD: draft what is missing, approve every draft, settle nothing more in it."""
    try:
        result = service.close_period(db.session, period)
        db.session.commit()
    except ValidationError as exc:
        _fail(exc)
    if result.already_closed:
        click.echo(f"{period} är redan stängd.")
        return
    for org_nr, number in result.approved:
        click.echo(f"{period}: {org_nr} godkänd som {number}")
    click.echo(f"{period} är stängd.")
