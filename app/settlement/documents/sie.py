"""SIE 4I (verifikationer for import into the municipality's accounting) for a period.

One #VER per approved settlement: the cost per service type on its configured account
(debit), input VAT (debit) and the supplier debt (credit), so every voucher balances to the
öre. A credit note simply has the opposite signs. The file is CP437 (#FORMAT PC8), as the
SIE standard requires.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from app.settlement.documents.data import DocumentSettings, SettlementDocument

PROGRAM = ("Kundval", "1.0")
ENCODING = "cp437"
# Characters our texts may hold that CP437 lacks, spelled the way SIE readers expect.
_CP437_SUBSTITUTES = str.maketrans({"–": "-", "—": "-", "−": "-", "’": "'", "‘": "'", "“": '"',
                                    "”": '"', "×": "x", "→": "->", "\u00a0": " "})


def build_sie(docs: Iterable[SettlementDocument], settings: DocumentSettings, generated: date
              ) -> bytes:
    """The SIE 4I file of the given approved settlements, encoded CP437 with CRLF line ends."""
    docs = [d for d in docs if d.status == "approved"]
    buyer = settings.buyer
    records = [
        "#FLAGGA 0",
        f"#PROGRAM {_quote(PROGRAM[0])} {_quote(PROGRAM[1])}",
        "#FORMAT PC8",
        f"#GEN {generated:%Y%m%d}",
        "#SIETYP 4",
        f"#ORGNR {buyer.org_nr}",
        f"#FNAMN {_quote(buyer.name)}",
        "#VALUTA SEK",
    ]
    for account, name in sorted(_accounts(docs, settings).items()):
        records.append(f"#KONTO {account} {_quote(name)}")
    for doc in docs:
        records.extend(_voucher(doc, settings))
    text = "\r\n".join(records) + "\r\n"
    return text.translate(_CP437_SUBSTITUTES).encode(ENCODING, errors="replace")


def cost_account(settings: DocumentSettings, service_type: str) -> str:
    return settings.cost_accounts.get(service_type, settings.default_cost_account)


def _accounts(docs: list[SettlementDocument], settings: DocumentSettings) -> dict[str, str]:
    names = {settings.supplier_debt_account: "Leverantörsskulder"}
    for doc in docs:
        if doc.internal:
            names[settings.internal_cost_account] = "Interna köp av arbetsmarknadsinsatser, egen regi"
            names[settings.internal_income_account] = "Interna intäkter, egen regi"
            continue
        for line in doc.lines:
            names.setdefault(cost_account(settings, line.service_type),
                             f"Köp av arbetsmarknadsinsatser, {line.service_name.lower()}")
            if line.vat:
                names.setdefault(settings.vat_account, "Ingående moms")
    return names


def _internal_voucher(doc: SettlementDocument, settings: DocumentSettings) -> list[str]:
    """The own unit's settlement: its cost against its internal income, with no VAT and no
    supplier debt, since the municipality neither pays nor charges VAT to itself."""
    text = f"Intern avräkning {doc.number} {doc.seller.name} {doc.period}"
    lines = [f"#VER {_quote(settings.voucher_series)} \"\" {doc.issue_date:%Y%m%d} {_quote(text)}", "{"]
    if doc.total_excl_vat:
        lines.append(f"   #TRANS {settings.internal_cost_account} {{}} {_amount(doc.total_excl_vat)} \"\" "
                     f"{_quote(doc.number)}")
        lines.append(f"   #TRANS {settings.internal_income_account} {{}} {_amount(-doc.total_excl_vat)} \"\" "
                     f"{_quote(doc.number)}")
    lines.append("}")
    return lines


def _voucher(doc: SettlementDocument, settings: DocumentSettings) -> list[str]:
    if doc.internal:
        return _internal_voucher(doc, settings)
    what = "Kreditnota" if doc.credit_note else "Avräkning"
    text = f"{what} {doc.number} {doc.seller.name} {doc.period}"
    cost: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in doc.lines:
        cost[cost_account(settings, line.service_type)] += line.amount
    lines = [f"#VER {_quote(settings.voucher_series)} \"\" {doc.issue_date:%Y%m%d} {_quote(text)}", "{"]
    for account in sorted(cost):
        if cost[account]:
            lines.append(f"   #TRANS {account} {{}} {_amount(cost[account])} \"\" {_quote(doc.number)}")
    if doc.total_vat:
        lines.append(f"   #TRANS {settings.vat_account} {{}} {_amount(doc.total_vat)} \"\" "
                     f"{_quote(doc.number)}")
    if doc.total_incl_vat:
        lines.append(f"   #TRANS {settings.supplier_debt_account} {{}} {_amount(-doc.total_incl_vat)} \"\" "
                     f"{_quote(f'{doc.number} {doc.seller.org_nr}')}")
    lines.append("}")
    return lines


def _amount(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")) + 0)


def _quote(value: object) -> str:
    cleaned = "".join(ch for ch in str(value) if ch >= " ").replace("\\", "\\\\").replace('"', '\\"')
    return f'"{cleaned}"'
