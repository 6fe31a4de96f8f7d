"""The provider API under /api/v1/: placements, attendance, outcomes and settlements, by token.

Each view is declared with the models it reads and answers (api_models.py); api_support.py
authenticates, validates, commits once and answers errors with a stable code, the field
(`days[3].hours`) and a message in the language asked for. The OpenAPI document at
/api/v1/openapi.json is made from the same declarations.
"""
from __future__ import annotations

from datetime import date

from flask import Response, current_app, g, jsonify, request, url_for
from sqlalchemy import select

from app.auth.access import public
from app.common import clock
from app.common.audit import record_access, record_list_access
from app.extensions import db
from app.kundval import results
from app.kundval.models import Attendance, Placement, PlacementWindow
from app.kundval.service import clients_of_referrals
from app.reporting import grid as grid_service
from app.reporting.api_errors import ApiError
from app.reporting.api_models import (
    AttendanceOut,
    AttendanceReplace,
    DayOut,
    MonthPath,
    OutcomeIn,
    OutcomeList,
    OutcomeOut,
    PlacementOut,
    PlacementPage,
    PlacementQuery,
    RefPath,
    SettlementLineOut,
    SettlementList,
    SettlementOut,
    SettlementPath,
    SettlementQuery,
    encode_cursor,
)
from app.reporting.api_support import Operation, bp, operation, read_body
from app.reporting.models import MonthReport
from app.settlement import late_changes
from app.settlement.export import line_order, stored_line_records
from app.settlement.models import Settlement

__all__ = ["bp"]
EVER = (date(1900, 1, 1), date(2999, 12, 31))
NO_PLACEMENT = {404: ("placement_not_found",)}
REJECTED = {422: ("rejected",)}


def _placement_row(ref: str) -> grid_service.GridRow:
    """The provider's placement with this ref (with its window), or a 404 naming nothing else."""
    if "\x00" in ref:  # never a ref; PostgreSQL refuses NUL in a text parameter
        raise ApiError("placement_not_found")
    for row in grid_service.provider_placements(db.session, g.provider_id, *EVER, ref=ref):
        return row
    raise ApiError("placement_not_found")


def _placements_page(query: PlacementQuery) -> tuple[list, bool]:
    first, last = grid_service.month_bounds(query.period) if query.period else EVER
    if query.active_on is not None:
        first, last = max(first, query.active_on), min(last, query.active_on)
    stmt = grid_service.windows_query(g.provider_id, first, last)  # the kept windows, in id order
    if query.cursor is not None:
        stmt = stmt.where(PlacementWindow.placement_id > query.cursor)
    if query.updated_since is not None:
        stmt = stmt.join(Placement, Placement.id == PlacementWindow.placement_id).where(
            Placement.updated_at >= query.updated_since)
    ids = list(db.session.execute(stmt.order_by(PlacementWindow.placement_id).limit(query.limit + 1)).scalars())
    return grid_service.rows_of(db.session, g.provider_id, first, last, ids[:query.limit]), len(ids) > query.limit


@bp.route("/placements")
@operation(Operation("listPlacements", PlacementPage, query=PlacementQuery))
def placements(query: PlacementQuery) -> PlacementPage:
    """Your placements, a page at a time in id order; follow `next` until it is null.

    Placements added during the walk come at its end: none is seen twice.
    """
    found, more = _placements_page(query)
    record_list_access(db.session, g.api_user_id,
                       clients_of_referrals(db.session, [row[0].referral_id for row in found]),
                       "API: placeringar")
    page = PlacementPage(placements=[PlacementOut.of(grid_service.grid_row(*row), row[0])
                                     for row in found], next=None)
    if more:
        page.next = encode_cursor(found[-1][0].id)
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        page.next_url = url_for("api.placements", **args, cursor=page.next)
    return page


def _seen_one(row: grid_service.GridRow, page: str) -> None:
    for client_id in clients_of_referrals(db.session, [row.referral_id]):
        record_access(db.session, g.api_user_id, client_id, page)


def _attendance(row: grid_service.GridRow, period: str) -> AttendanceOut:
    first, last = grid_service.month_bounds(period)
    days = db.session.execute(select(Attendance).where(
        Attendance.placement_id == row.placement_id, Attendance.date >= first,
        Attendance.date <= last).order_by(Attendance.date)).scalars()
    submitted = db.session.execute(select(MonthReport.id).where(
        MonthReport.provider_id == g.provider_id, MonthReport.period == period)).first() is not None
    return AttendanceOut(placement=row.ref, period=period, submitted=submitted,
                         settled=late_changes.is_settled(db.session, g.provider_id, period),
                         days=[DayOut(date=a.date, status=a.status, hours=a.hours) for a in days])


@bp.route("/placements/<ref>/attendance/<period>", methods=["GET"])
@operation(Operation("getAttendance", AttendanceOut, path=MonthPath, errors=NO_PLACEMENT))
def get_attendance(path: MonthPath) -> AttendanceOut:
    """A placement's month of attendance."""
    row = _placement_row(path.ref)
    body = _attendance(row, path.period)
    _seen_one(row, "API: närvaro")
    return body


def _removed_days(row: grid_service.GridRow, period: str, wanted: dict) -> dict:
    """The stored days of the month (within the placement's window) that the PUT leaves out."""
    first, last = grid_service.month_bounds(period)
    low, high = max(first, row.window_from), min(last, row.window_to)
    stored = db.session.execute(select(Attendance.date).where(
        Attendance.placement_id == row.placement_id, Attendance.date >= first,
        Attendance.date <= last)).scalars()
    return {(row.placement_id, day): None for day in stored
            if (row.placement_id, day) not in wanted and low <= day <= high}


@bp.route("/placements/<ref>/attendance/<period>", methods=["PUT"])
@operation(Operation("replaceAttendance", AttendanceOut, path=MonthPath, body=AttendanceReplace,
                     errors={**NO_PLACEMENT, **REJECTED}))
def put_attendance(path: MonthPath) -> AttendanceOut:
    """Replace the placement's whole month: days not listed are removed."""
    row = _placement_row(path.ref)
    month = read_body(AttendanceReplace)
    wanted, fields = month.cells(row.placement_id)
    wanted.update(_removed_days(row, path.period, wanted))
    changed = grid_service.apply_changes(db.session, g.provider_id, path.period, wanted, fields,
                                         None, month.reason, channel="api")
    body = _attendance(row, path.period)
    body.changed = changed
    return body


def _outcome(outcome, ref: str) -> OutcomeOut:
    return OutcomeOut(ref=outcome.ref, placement=ref, kind=outcome.kind,
                      result_date=outcome.result_date, employer=outcome.employer,
                      extent=outcome.extent, employment_form=outcome.employment_form or None,
                      status=results.outcome_status(outcome), verified_on=outcome.verified_on)


@bp.route("/placements/<ref>/outcomes", methods=["GET"])
@operation(Operation("listOutcomes", OutcomeList, path=RefPath, errors=NO_PLACEMENT))
def list_outcomes(path: RefPath) -> OutcomeList:
    """Results reported for a placement."""
    _seen_one(_placement_row(path.ref), "API: resultat")
    rows = results.provider_outcomes(db.session, g.provider_id, path.ref)
    return OutcomeList(outcomes=[_outcome(o, r) for o, r, _name in rows])


@bp.route("/placements/<ref>/outcomes", methods=["POST"])
@operation(Operation("reportOutcome", OutcomeOut, status=201, path=RefPath, body=OutcomeIn,
                     errors={**NO_PLACEMENT, **REJECTED}))
def post_outcome(path: RefPath) -> OutcomeOut:
    """Report work or studies for a placement; a case worker verifies it."""
    _placement_row(path.ref)
    data = read_body(OutcomeIn)
    outcome = results.report_outcome(db.session, g.provider_id, path.ref, data.kind,
                                     data.result_date, data.employer, data.extent,
                                     data.employment_form or "", None, clock.today(),
                                     reason=data.reason, channel="api")
    return _outcome(outcome, path.ref)


def _settlement(s: Settlement, lines: list[dict]) -> SettlementOut:
    documents = {"pdf": f"/api/v1/settlements/{s.id}/document.pdf",
                 "peppol": f"/api/v1/settlements/{s.id}/document.xml"}
    return SettlementOut.model_validate({
        "id": s.id, "number": s.number, "period": s.period, "credit_note": bool(s.credit_note),
        "total_excl_vat": s.total_excl_vat, "total_vat": s.total_vat,
        "total_incl_vat": s.total_incl_vat, "approved_at": s.approved_at, "documents": documents,
        "lines": [SettlementLineOut.model_validate(line) for line in sorted(lines, key=line_order)]})


@bp.route("/settlements")
@operation(Operation("listSettlements", SettlementList, query=SettlementQuery))
def settlements(query: SettlementQuery) -> SettlementList:
    """Your approved settlements with their lines, as the export writes them."""
    stmt = select(Settlement).where(Settlement.provider_id == g.provider_id,
                                    Settlement.status == "approved").order_by(Settlement.period)
    if query.period is not None:
        stmt = stmt.where(Settlement.period == query.period)
    found = list(db.session.execute(stmt).scalars())
    lines = stored_line_records(db.session, [s.id for s in found])
    return SettlementList(settlements=[_settlement(s, lines[s.id]) for s in found])


def _document(settlement_id: int):
    from app.settlement.documents.data import load_documents, settings_from_config

    settlement = db.session.get(Settlement, settlement_id) if 0 < settlement_id < 2**31 else None
    if settlement is None or settlement.provider_id != g.provider_id or settlement.status != "approved":
        raise ApiError("settlement_not_found")
    docs = load_documents(db.session, settings_from_config(current_app.config),
                          settlement_ids=[settlement_id])
    if not docs:
        raise ApiError("settlement_not_found")
    return docs[0]


def _attachment(content: bytes | str, mimetype: str, filename: str) -> Response:
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/settlements/<int:settlement_id>/document.pdf")
@operation(Operation("settlementPdf", media="application/pdf", path=SettlementPath,
                     errors={404: ("settlement_not_found",)}))
def settlement_pdf(path: SettlementPath) -> Response:
    """The settlement as PDF."""
    from app.settlement.documents.pdf import render_pdf

    doc = _document(path.settlement_id)
    return _attachment(render_pdf(doc), "application/pdf", f"{doc.file_stem}.pdf")


@bp.route("/settlements/<int:settlement_id>/document.xml")
@operation(Operation("settlementPeppol", media="application/xml", path=SettlementPath,
                     errors={404: ("settlement_not_found", "no_peppol_document")}))
def settlement_peppol(path: SettlementPath) -> Response:
    """The settlement as a Peppol BIS Billing 3 invoice (or credit note)."""
    from app.settlement.documents.peppol import build_peppol

    doc = _document(path.settlement_id)
    if doc.internal:
        raise ApiError("no_peppol_document")
    return _attachment(build_peppol(doc), "application/xml", f"{doc.file_stem}.xml")


@bp.route("/openapi.json")
@public
@operation(Operation("openapi", media="application/json", token=False))
def openapi() -> Response:
    """This document: OpenAPI 3.1, made from the operations' models."""
    from app.reporting.openapi import openapi_document

    return jsonify(openapi_document(request.host_url.rstrip("/")))
