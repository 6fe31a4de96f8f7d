"""Benchmark: the settlement PDFs of a large month.

Renders 500 settlements of 40 lines each (by default) with the same code as
`flask settlement export --format pdf`, on every core, and prints the wall time and the peak
memory of the main process and of the largest worker. The documents are built in memory
(the loader reads a month's settlements in three queries; rendering is what takes time).
It also builds the Peppol files and the SIE file of the same settlements, for comparison.

    .venv/bin/python benchmarks/documents.py
    .venv/bin/python benchmarks/documents.py --settlements 50 --workers 1   # a quick look
    .venv/bin/python benchmarks/documents.py --out /tmp/pdfs                # keep the PDFs
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PERIOD = "2026-10"
SERVICE_TYPES = ("arbetsprovning", "arbetstraning", "praktik", "utredning")
CENT = Decimal("0.01")


def org_nr(i: int) -> str:
    from stdnum import luhn

    base = f"55{i:07d}"[:9]
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


def build_documents(count: int, lines: int):
    """`count` approved settlements of `lines` lines: hours, days, weeks, packages, bonuses and
    adjustments at 0 and 25 % VAT, every tenth one a credit note."""
    from app.config import Config
    from app.settlement.documents.data import (
        Correction,
        DocumentLine,
        Party,
        SettlementDocument,
        settings_from_config,
    )

    settings = settings_from_config({k: getattr(Config, k) for k in dir(Config) if k.isupper()})
    rnd = random.Random(2026)
    initials = ["A.A.", "B.A.", "H.N.H.", "F.S.", "M.K.", "E.L."]
    docs = []
    for n in range(1, count + 1):
        credit = n % 10 == 0
        vat_rate = 25 if n % 3 else 0
        doc_lines = []
        for i in range(lines):
            kind = rnd.choice(["hours"] * 5 + ["days", "weeks", "package_start", "bonus_result", "adjustment"])
            quantity, price, explanation = {
                "hours": (Decimal(rnd.randrange(4, 160)) / 4, Decimal("125.00"), ""),
                "days": (Decimal(rnd.randrange(1, 22)), Decimal("950.00"), ""),
                "weeks": (Decimal(rnd.randrange(1, 5)), Decimal("2850.00"), ""),
                "package_start": (Decimal(1), Decimal("7500.00"),
                                  "startdel 50 % av 15 000,00 kr (första närvarodag 2026-10-05)"),
                "bonus_result": (Decimal(1), Decimal("10000.00"), "bonus: resultat dag 45 ≤ 90 → 10 000,00 kr"),
                "adjustment": (Decimal(1), Decimal(-rnd.randrange(100, 3000)) if credit or rnd.random() < 0.5
                               else Decimal(rnd.randrange(100, 3000)),
                               "justering timmar 2026-09: 1 200,00 kr nu − 1 800,00 kr godkänt"),
            }[kind]
            if credit and kind != "adjustment":
                quantity = Decimal(1) if kind != "hours" else Decimal("0.25")
            quantity, price = quantity.quantize(CENT), price.quantize(CENT)
            amount = (quantity * price).quantize(CENT, ROUND_HALF_UP)
            vat = (amount * vat_rate / 100).quantize(CENT, ROUND_HALF_UP)
            doc_lines.append(DocumentLine(
                f"PL{n:03d}{i:02d}", rnd.choice(initials), rnd.choice(SERVICE_TYPES), kind, quantity, price,
                amount, vat_rate, vat, "2026-09" if kind == "adjustment" else None,
                "hours" if kind == "adjustment" else None, explanation))
        excl = sum((line.amount for line in doc_lines), Decimal("0.00"))
        vat = sum((line.vat for line in doc_lines), Decimal("0.00"))
        seller = Party(f"Anordnare {n} AB", org_nr(n), f"SE{org_nr(n).replace('-', '')}01" if vat_rate else "",
                       f"Industrigatan {n}", "131 54", "Nacka", True, "4091-1414")
        issued = date(2026, 11, 5)
        docs.append(SettlementDocument(
            settlement_id=n, number=f"AV-2026-{n:05d}", period=PERIOD, status="approved",
            credit_note=excl + vat < 0, self_billing=n % 4 == 0, issue_date=issued,
            due_date=issued + timedelta(days=30), seller=seller, buyer=settings.buyer,
            lines=tuple(sorted(doc_lines, key=lambda line: line.placement_ref)),
            total_excl_vat=excl, total_vat=vat, total_incl_vat=excl + vat,
            corrections=(Correction("2026-09", (f"AV-2026-{n + 1000:05d}",)),),
            exemption_reason=settings.exemption_reason,
            exemption_reason_code=settings.exemption_reason_code))
    return docs, settings


def _cpu_seconds() -> float:
    """User + system time of this process and of its finished workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=500)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=None, help="write the PDFs here")
    args = parser.parse_args()

    from app.settlement.documents.pdf import render_pdfs
    from app.settlement.documents.peppol import build_peppol
    from app.settlement.documents.sie import build_sie

    docs, settings = build_documents(args.settlements, args.lines)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    print(f"{len(docs)} settlements × {args.lines} lines, {args.workers} worker(s), {os.cpu_count()} cores")

    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    total_bytes = 0
    for doc, pdf in render_pdfs(docs, workers=args.workers):
        total_bytes += len(pdf)
        if args.out:
            (args.out / f"{doc.file_stem}.pdf").write_bytes(pdf)
    pdf_seconds = time.perf_counter() - started
    pdf_cpu = _cpu_seconds() - cpu_before

    started = time.perf_counter()
    peppol_bytes = sum(len(build_peppol(doc)) for doc in docs)
    peppol_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sie_bytes = len(build_sie(docs, settings, date(2026, 11, 5)))
    sie_seconds = time.perf_counter() - started

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"PDF:    {pdf_seconds:6.1f} s wall, {pdf_seconds / len(docs) * 1000:.0f} ms per settlement, "
          f"{total_bytes / 1e6:.1f} MB in all")
    print(f"        {pdf_cpu:6.1f} s CPU in all processes, {pdf_cpu / len(docs) * 1000:.0f} ms per settlement "
          f"(load average now {os.getloadavg()[0]:.1f})")
    print(f"Peppol: {peppol_seconds:6.1f} s, {peppol_bytes / 1e6:.1f} MB")
    print(f"SIE:    {sie_seconds:6.2f} s, {sie_bytes / 1e3:.0f} kB")
    print(f"Peak memory: main process {own:.0f} MB, largest worker {workers:.0f} MB")


if __name__ == "__main__":
    main()
