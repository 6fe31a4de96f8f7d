"""The settlement document (avräkning) as a Swedish PDF, with WeasyPrint.

The template is templates/settlement/documents/avrakning.html, rendered with a standalone
Jinja environment so a worker process needs neither Flask nor a request. WeasyPrint's time
goes mostly to laying out and drawing each line of each text box, so the line table is set
in a monospaced font with one text line per settlement line (columns padded here), instead
of one table cell per value: a 40-line settlement then renders about three times faster.
Most of a document's time is its fixed part, so it also has its own short user-agent stylesheet
(WeasyPrint's matches pseudo-elements on every element) and separate, not collapsed, borders.
Many documents are rendered on all cores.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.common.i18n import fmt_money, fmt_number
from app.config import BASE_DIR
from app.settlement.documents.data import DocumentLine, SettlementDocument

TEMPLATE = "settlement/documents/avrakning.html"
STYLESHEET = BASE_DIR / "templates" / "settlement" / "documents" / "avrakning.css"
# In place of WeasyPrint's HTML5 user-agent stylesheet (see the file's comment).
UA_STYLESHEET = BASE_DIR / "templates" / "settlement" / "documents" / "avrakning-ua.css"
# (heading, width in characters, right-aligned) of the line table; its 121 characters fill
# the A4 text width (180 mm) at 6.95 pt DejaVu Sans Mono.
COLUMNS = (("Placering", 9, False), ("Delt.", 7, False), ("Insats", 14, False), ("Slag", 26, False),
           ("Antal", 12, True), ("À-pris", 10, True), ("Belopp", 12, True), ("Moms", 4, True),
           ("Momsbelopp", 11, True))
GAP = "  "
# Lines whose explanation adds something to quantity × price (the others would repeat it).
EXPLAINED_KINDS = frozenset({"package_start", "package_completion", "bonus_result",
                             "bonus_sustained", "adjustment"})
# ... and lines paid at a level's rate, whose explanation names the level ("× 750,00 kr (nivå C)").
LEVEL_MARK = "(nivå "
# The table breaks across pages only between blocks, and a rule marks every block: like a
# ledger, every tenth line or so. Fewer, larger blocks render faster.
LINES_PER_BLOCK = 10
# Below this many documents, starting worker processes costs more than it saves.
PARALLEL_FROM = 16


def table_header() -> str:
    return _row([heading for heading, _, _ in COLUMNS])


def line_blocks(lines: Iterable[DocumentLine], size: int = LINES_PER_BLOCK
                ) -> list[list[tuple[str, bool]]]:
    """The table's text lines, (text, is explanation), in blocks of about `size` lines."""
    blocks: list[list[tuple[str, bool]]] = []
    indent = sum(width for _, width, _ in COLUMNS[:3]) + 3 * len(GAP)
    for line in lines:
        if not blocks or len(blocks[-1]) >= size:
            blocks.append([])
        kind = f"Justering {line.ref_period}" if line.kind == "adjustment" else line.kind_name
        blocks[-1].append((_row([
            line.placement_ref, line.client_initials, line.service_short_name, kind,
            f"{_number(line.quantity)} {line.unit_name}", _number(line.unit_price),
            _number(line.amount), f"{line.vat_rate} %", _number(line.vat)]), False))
        if line.explanation and (line.kind in EXPLAINED_KINDS or LEVEL_MARK in line.explanation):
            blocks[-1].append((" " * indent + _fit(line.explanation, table_width() - indent), True))
    return blocks


def table_width() -> int:
    return sum(width for _, width, _ in COLUMNS) + len(GAP) * (len(COLUMNS) - 1)


def _row(values: list[str]) -> str:
    cells = []
    for value, (_, width, right) in zip(values, COLUMNS, strict=True):
        value = _fit(value, width)
        cells.append(value.rjust(width) if right else value.ljust(width))
    return GAP.join(cells).rstrip()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _number(value: Decimal) -> str:
    return fmt_number(value, 2, "sv")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(BASE_DIR / "templates")),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda value: fmt_money(value, "sv")
    return env


def render_html(doc: SettlementDocument) -> str:
    return _environment().get_template(TEMPLATE).render(
        doc=doc, header=table_header(), blocks=line_blocks(doc.lines))


@lru_cache(maxsize=1)
def _weasyprint() -> tuple[Any, Any, Any]:
    """The stylesheet and font configuration, made once per process: WeasyPrint then parses
    the CSS once and Pango's font caches last from one document to the next. WeasyPrint is
    imported here because loading it takes a second the CLI and most pages never need."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    user_agent = CSS(filename=str(UA_STYLESHEET), font_config=fonts)

    class SettlementHTML(HTML):  # type: ignore[misc]
        """The document with its own user-agent stylesheet (forms are never rendered)."""

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent]

    return SettlementHTML, CSS(filename=str(STYLESHEET), font_config=fonts), fonts


def render_pdf(doc: SettlementDocument) -> bytes:
    """One settlement as PDF bytes."""
    html, stylesheet, fonts = _weasyprint()
    pdf: bytes = html(string=render_html(doc), base_url=str(BASE_DIR)).write_pdf(
        stylesheets=[stylesheet], font_config=fonts)
    return pdf


def render_pdfs(docs: Iterable[SettlementDocument], workers: int | None = None
                ) -> Iterator[tuple[SettlementDocument, bytes]]:
    """(document, PDF) for each document in order; many are rendered on all cores (or `workers`)."""
    docs = list(docs)
    if workers is None:
        workers = (os.cpu_count() or 1) if len(docs) >= PARALLEL_FROM else 1
    if workers <= 1 or len(docs) <= 1:
        for doc in docs:
            yield doc, render_pdf(doc)
        return
    # spawn, not fork: a forked worker would share the parent's database connections.
    context = multiprocessing.get_context("spawn")
    chunk = max(1, min(16, len(docs) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from zip(docs, pool.map(render_pdf, docs, chunksize=chunk), strict=True)
