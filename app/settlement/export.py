"""The settlement export of exchange.md, and line_record(): the one way a line is written out.

The JSON export, the provider API, the draft comparison of the screens and the stored
`previous_lines` of a draft all show a line through line_record().
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.common.money import as_text
from app.common.periods import check_period
from app.kundval.models import Placement
from app.providers.models import Provider
from app.settlement import timing
from app.settlement.models import Settlement, SettlementLine

LINE_FIELDS = ("placement", "kind", "quantity", "unit_price", "amount", "vat_rate", "vat",
               "ref_period", "ref_kind")


def line_record(placement: str, kind: str, quantity: Decimal | float, unit_price: Decimal | float,
                amount: Decimal | float, vat_rate: int, vat: Decimal | float, ref_period: str | None,
                ref_kind: str | None) -> dict[str, Any]:
    """A line as exchange.md writes it: amounts as 2-decimal strings, the placement by its ref."""
    return {"placement": placement, "kind": kind, "quantity": as_text(quantity),
            "unit_price": as_text(unit_price), "amount": as_text(amount), "vat_rate": vat_rate,
            "vat": as_text(vat), "ref_period": ref_period, "ref_kind": ref_kind}


def line_order(record: dict[str, Any]) -> tuple[str, str, str]:
    """Lines in the order of the export: by placement, kind and the period they correct."""
    return record["placement"], record["kind"], record["ref_period"] or ""


def stored_line_records(session: Session, settlement_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """line_record() of every stored line of these settlements, per settlement id (one query)."""
    found: dict[int, list[dict[str, Any]]] = {sid: [] for sid in settlement_ids}
    if not settlement_ids:
        return found
    for settlement_id, *values in session.execute(
        select(col(SettlementLine.settlement_id), col(Placement.ref),
               *(col(c) for c in (col(SettlementLine.kind), col(SettlementLine.quantity), col(SettlementLine.unit_price),
                                  col(SettlementLine.amount), col(SettlementLine.vat_rate), col(SettlementLine.vat),
                                  col(SettlementLine.ref_period), col(SettlementLine.ref_kind))))
        .join(Placement, col(Placement.id) == col(SettlementLine.placement_id))
        .where(col(SettlementLine.settlement_id).in_(settlement_ids))):
        found[settlement_id].append(line_record(*values))
    return found


def export_period(session: Session, period: str) -> dict[str, Any]:
    """The settlement export of exchange.md: settlements by org_nr, lines by (placement, kind, ref_period)."""
    check_period(period)
    settlements = session.execute(
        select(Settlement, col(Provider.ref), col(Provider.org_nr))
        .join(Provider, col(Provider.id) == col(Settlement.provider_id))
        .where(col(Settlement.period) == period).order_by(col(Provider.org_nr))).all()
    lines_by = stored_line_records(session, [s.id for s, _, _ in settlements if s.id is not None])
    out = []
    for s, ref, org_nr in settlements:
        out.append({
            "provider": ref, "provider_org_nr": org_nr, "status": s.status, "number": s.number,
            "preliminary": s.status == "draft" and timing.is_preliminary(period),
            "credit_note": s.credit_note, "total_excl_vat": as_text(s.total_excl_vat),
            "total_vat": as_text(s.total_vat), "total_incl_vat": as_text(s.total_incl_vat),
            "lines": sorted(lines_by.get(s.id or 0, []), key=line_order)})
    return {"period": period, "settlements": out}
