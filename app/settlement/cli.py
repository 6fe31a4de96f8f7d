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

EXPORT_FORMATS = ("json", "pdf", "peppol", "sie")


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
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="File (json, sie); for pdf and peppol a directory, or a file ending in .zip")
def export_cmd(period: str, fmt: str, out: Path | None) -> None:
    """Export the period's settlements (stdout without --out)."""
    if fmt != "json":
        _export_documents(period, fmt, out)
        return
    if out is not None and out.is_dir():
        raise click.BadParameter(f"File {str(out)!r} is a directory.", param_hint="'--out'")
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


def _check_out(fmt: str, out: Path | None) -> None:
    """pdf and peppol need a directory or a .zip, sie a file (or stdout); exit 1 otherwise."""
    if fmt in ("pdf", "peppol") and (out is None or (
            out.exists() and not out.is_dir() and out.suffix.lower() != ".zip")):
        click.echo("out: ange en katalog eller en .zip-fil för pdf och peppol", err=True)
        sys.exit(1)
    if fmt == "sie" and out is not None and out.is_dir():
        click.echo("out: ange en fil för sie, inte en katalog", err=True)
        sys.exit(1)


def _export_documents(period: str, fmt: str, out: Path | None) -> None:
    """PDF or Peppol per approved settlement (a directory or a .zip), or one SIE 4I file."""
    from datetime import date

    from flask import current_app

    from app.settlement import documents

    try:
        service.check_period(period)
    except ValidationError as exc:
        _fail(exc)
    _check_out(fmt, out)
    settings = documents.settings_from_config(current_app.config)
    docs = documents.load_documents(db.session, settings, period=period)
    drafts = documents.draft_org_numbers(db.session, period)
    if drafts and fmt != "sie":
        click.echo(f"{period}: utkast får inga dokument: {_list(drafts)}", err=True)
    elif drafts:
        click.echo(f"{period}: utkast kommer inte med i SIE-filen: {_list(drafts)}", err=True)

    if fmt == "sie":
        from app.settlement.documents.sie import build_sie

        data = build_sie(docs, settings, date.today())
        if out is None:
            click.echo(data, nl=False)  # bytes go to the binary stream unchanged
        else:
            out.write_bytes(data)
            click.echo(f"Skrev {out} ({len(docs)} verifikationer)", err=True)
        return

    if not docs:
        click.echo(f"{period}: inga godkända avräkningar, inga filer skrivna.", err=True)
        return
    files = _document_files(docs, fmt)
    if out.suffix.lower() == ".zip":
        import zipfile

        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in files:
                archive.writestr(name, data)
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files:
            (out / name).write_bytes(data)
    click.echo(f"Skrev {len(docs)} filer till {out}", err=True)


def _document_files(docs, fmt: str):
    """(file name, bytes) per settlement; PDFs are rendered on all cores."""
    if fmt == "pdf":
        from app.settlement.documents.pdf import render_pdfs

        for doc, pdf in render_pdfs(docs):
            yield f"{doc.file_stem}.pdf", pdf
    else:
        from app.settlement.documents.peppol import build_peppol

        for doc in docs:
            yield f"{doc.file_stem}.xml", build_peppol(doc)


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
