"""`flask settlement run|approve|export` and `flask period close`, as exchange.md describes."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup

from app.common.errors import ValidationError
from app.extensions import db
from app.settlement import service

if TYPE_CHECKING:  # the documents load WeasyPrint and lxml: only for the commands that need them
    from app.settlement.documents.data import DocumentSettings, SettlementDocument

settlement_cli = AppGroup("settlement", help="Monthly settlements: drafts, approval, export.")
period_cli = AppGroup("period", help="Close a month.")

EXPORT_FORMATS = ("json", "pdf", "peppol", "sie")


def _fail(exc: ValidationError) -> None:
    db.session.rollback()
    click.echo(f"{exc.field}: {exc.message}", err=True)
    sys.exit(1)


def _list(orgs: Iterable[str]) -> str:
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
              help="File (json, sie); for pdf and peppol a .zip file, the one document's file, "
                   "or with --folder a directory")
@click.option("--folder", is_flag=True, default=False,
              help="pdf and peppol: write one file per settlement into the directory --out")
def export_cmd(period: str, fmt: str, out: Path | None, folder: bool) -> None:
    """Export the period's settlements (stdout without --out)."""
    if fmt != "json":
        _export_documents(period, fmt, out, folder)
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


DOCUMENT_SUFFIX = {"pdf": ".pdf", "peppol": ".xml"}


def _out_problem(fmt: str, out: Path | None, folder: bool) -> str:
    """Why `out` can't take the documents, or "": a directory is made only when asked for."""
    if out is None:
        return "ange en .zip-fil, en fil för ett enda dokument eller --folder med en katalog"
    if folder:
        if out.suffix:
            return f"{out.name} ser ut som en fil; ange en katalog utan filändelse med --folder"
        if out.exists() and not out.is_dir():
            return f"{out} är en fil, inte en katalog"
        return ""
    if out.suffix.lower() in (".zip", DOCUMENT_SUFFIX[fmt]) and not out.is_dir():
        return ""
    return f"ange en .zip-fil, en {DOCUMENT_SUFFIX[fmt]}-fil för ett enda dokument eller --folder för en katalog"


def _export_documents(period: str, fmt: str, out: Path | None, folder: bool = False) -> None:
    """PDF or Peppol per approved settlement (a .zip, one file, or a directory with --folder), or SIE 4I."""
    from flask import current_app

    from app.settlement import documents

    _refuse_bad_options(period, fmt, out, folder)
    settings = documents.settings_from_config(current_app.config)
    docs = documents.load_documents(db.session, settings, period=period)
    _warn_of_drafts(period, fmt)
    if fmt == "sie":
        _write_sie(docs, settings, out)
        return
    if fmt == "peppol":
        docs = _with_peppol(period, docs)
    if not docs:
        click.echo(f"{period}: inga godkända avräkningar, inga filer skrivna.", err=True)
        return
    assert out is not None  # _out_problem refused a missing --out for pdf and peppol
    _write_documents(docs, fmt, out, folder)


def _refuse_bad_options(period: str, fmt: str, out: Path | None, folder: bool) -> None:
    """Exit with a message naming the option before anything is read, so a wrong --out never
    leaves half-written files."""
    try:
        service.check_period(period)
    except ValidationError as exc:
        _fail(exc)
    if fmt in ("pdf", "peppol") and (problem := _out_problem(fmt, out, folder)):
        click.echo(f"out: {problem}", err=True)
        sys.exit(1)
    if fmt == "sie" and folder:
        click.echo("folder: sie är en enda fil; ange den med --out", err=True)
        sys.exit(1)
    if fmt == "sie" and out is not None and out.is_dir():
        click.echo("out: ange en fil för sie, inte en katalog", err=True)
        sys.exit(1)


def _warn_of_drafts(period: str, fmt: str) -> None:
    """Drafts are never exported: say which providers' settlements are left out and why."""
    from app.settlement import documents

    drafts = documents.draft_org_numbers(db.session, period)
    if drafts and fmt != "sie":
        click.echo(f"{period}: utkast får inga dokument: {_list(drafts)}", err=True)
    elif drafts:
        click.echo(f"{period}: utkast kommer inte med i SIE-filen: {_list(drafts)}", err=True)


def _write_sie(docs: list[SettlementDocument], settings: DocumentSettings, out: Path | None) -> None:
    """One SIE 4I file of every approved settlement, to --out or to standard output."""
    from datetime import date

    from app.settlement.documents.sie import build_sie

    data = build_sie(docs, settings, date.today())
    if out is None:
        click.echo(data, nl=False)  # bytes go to the binary stream unchanged
    else:
        out.write_bytes(data)
        click.echo(f"Skrev {out} ({len(docs)} verifikationer)", err=True)


def _with_peppol(period: str, docs: list[SettlementDocument]) -> list[SettlementDocument]:
    """Only providers reached by Peppol get an invoice; the municipality's own units (egen regi)
    are settled internally, which is said so nobody looks for their file."""
    from app.settlement.documents.peppol import has_peppol

    internal = [d.seller.org_nr for d in docs if not has_peppol(d)]
    if internal:
        click.echo(f"{period}: egen regi avräknas internt, ingen Peppol-fil: {_list(internal)}", err=True)
    return [d for d in docs if has_peppol(d)]


def _write_documents(docs: list[SettlementDocument], fmt: str, out: Path, folder: bool) -> None:
    """One file when --out names one (and only one document is due), else a .zip or a folder."""
    if not folder and out.suffix.lower() != ".zip" and len(docs) > 1:
        click.echo(f"out: {len(docs)} dokument ryms inte i en {out.suffix}-fil; ange en .zip-fil "
                   "eller --folder för en katalog", err=True)
        sys.exit(1)
    files = _document_files(docs, fmt)
    if not folder and out.suffix.lower() != ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(next(iter(files))[1])
        click.echo(f"Skrev {out}", err=True)
        return
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


def _document_files(docs: list[SettlementDocument], fmt: str) -> Iterator[tuple[str, bytes]]:
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
