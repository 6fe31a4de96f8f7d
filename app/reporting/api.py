"""The provider API under /api/v1/: placements, attendance, outcomes and settlements, by token.

Every answer is JSON; errors name the field (`days[3].hours`). Writes commit here, once, and
a request with an Idempotency-Key that was already answered gets the stored answer again.
"""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, date, datetime
from functools import wraps

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.auth.access import public
from app.common import clock
from app.common.audit import record_access, record_list_access
from app.common.base import utcnow
from app.common.dates import BadDate, parse_date
from app.common.errors import ValidationError
from app.common.periods import check_period
from app.extensions import csrf, db, limiter
from app.kundval import results
from app.kundval.models import ATTENDANCE_STATUSES, Attendance, Placement
from app.kundval.service import clients_of_referrals
from app.providers import service as provider_service
from app.providers.models import IdempotencyRecord
from app.reporting import grid as grid_service
from app.reporting.models import MonthReport
from app.settlement import late_changes
from app.settlement.export import line_order, stored_line_records
from app.settlement.models import Settlement

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _rate_key() -> str:
    header = request.headers.get("Authorization", "")
    prefix = provider_service.token_prefix(header[7:].strip()) if header.startswith("Bearer ") else ""
    return f"token:{prefix}" if prefix else f"ip:{request.remote_addr}"


limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "300 per minute"), key_func=_rate_key)(bp)
# Requests without a valid token count per address, whatever token they make up.
limiter.limit(lambda: current_app.config.get("API_FAILED_TOKEN_LIMIT", "20 per minute"),
              key_func=lambda: f"bad-token:{request.remote_addr}",
              deduct_when=lambda response: response.status_code == 401)(bp)


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def error_body(status: int, message: str, field: str | None = None) -> dict:
    body = {"status": status, "message": message}
    if field:
        body["errors"] = [{"field": field, "message": message}]
    return {"error": body}


@bp.errorhandler(ValidationError)
def _validation_error(exc: ValidationError):
    db.session.rollback()
    return jsonify(error_body(422, exc.message, exc.field)), 422


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    return jsonify(error_body(exc.status, exc.message, exc.field)), exc.status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    messages = {404: "not found", 405: "method not allowed", 429: "too many requests",
                400: "the request could not be read", 413: "the request is too large"}
    response = jsonify(error_body(exc.code or 500, messages.get(exc.code, exc.description or "")))
    response.status_code = exc.code or 500
    if exc.code == 429:
        response.headers["Retry-After"] = "60"
    return response


QUERY_PARAMETERS = {"api.placements": {"period", "active_on", "updated_since", "limit", "cursor"}, "api.settlements": {"period"}}


def token_required(view):
    """Authenticate `Authorization: Bearer <token>`; the token's provider is g.provider_id."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = provider_service.authenticate_token(db.session, header[7:].strip()) \
            if header.startswith("Bearer ") else None
        if token is None:
            response = jsonify(error_body(401, "a valid API token is required (Authorization: Bearer ...)"))
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="kundval"'
            return response
        g.provider_id = token.provider_id
        g.api_token_id = token.id
        g.api_user_id = token.created_by_id  # who the access log names for the token's views
        token.last_used_at = utcnow()
        unknown = sorted(set(request.args) - QUERY_PARAMETERS.get(request.endpoint, set()))
        if unknown:
            raise ApiError(422, "unknown query parameter", f"query.{unknown[0][:50]}")
        return view(*args, **kwargs)

    # For the route walker: this is a provider's endpoint, reached by token instead of login.
    wrapped.access_roles = ("provider",)
    wrapped.access_token = True
    return wrapped


def write(view):
    """Commit once after a write; replay the stored answer for a repeated Idempotency-Key."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200:
            raise ApiError(422, "the Idempotency-Key is longer than 200 characters", "Idempotency-Key")
        digest = hashlib.sha256(request.method.encode() + request.path.encode() + b"\n"
                                + request.get_data()).hexdigest()
        if key:
            stored = _stored(key)
            if stored is not None:
                return _replay(stored, digest)
        payload, status = view(*args, **kwargs)
        body = json.dumps(payload, ensure_ascii=False)
        if key:
            db.session.add(IdempotencyRecord(provider_id=g.provider_id, key=key, method=request.method,
                                             path=request.path[:300], request_hash=digest,
                                             status_code=status, response_body=body))
        try:
            db.session.commit()
        except IntegrityError:
            # The same key arrived twice at once: the other request won; give its answer.
            db.session.rollback()
            stored = _stored(key) if key else None
            if stored is None:
                raise ApiError(409, "the request conflicted with another one; try again") from None
            return _replay(stored, digest)
        return Response(body, status=status, mimetype="application/json")

    return wrapped


def _stored(key: str) -> IdempotencyRecord | None:
    return db.session.execute(select(IdempotencyRecord).where(
        IdempotencyRecord.provider_id == g.provider_id, IdempotencyRecord.key == key)).scalar()


def _replay(stored: IdempotencyRecord, digest: str) -> Response:
    if stored.request_hash != digest:
        raise ApiError(422, "this Idempotency-Key was used for a different request", "Idempotency-Key")
    response = Response(stored.response_body, status=stored.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("body", "the body must be a JSON object")
    if b"\\u0000" in request.get_data() or b"\x00" in request.get_data():
        raise ValidationError("body", "text must not contain NUL characters")
    return data


def _placement_row(ref: str):
    """The provider's placement with this ref (with its window), or a 404 naming nothing else."""
    if "\x00" in ref:  # never a ref; PostgreSQL refuses NUL in a text parameter
        raise ApiError(404, "no placement with that ref among your placements")
    for row in grid_service.provider_placements(db.session, g.provider_id, date(1900, 1, 1),
                                                date(2999, 12, 31), ref=ref):
        return row
    raise ApiError(404, "no placement with that ref among your placements")


def _placement_json(row, placement: Placement) -> dict:
    return {"ref": row.ref, "client_name": row.client_name, "offering_title": row.offering_title,
            "service_type": row.service_type, "rate_unit": row.rate_unit,
            "start_date": placement.start_date.isoformat(),
            "ended_on": placement.ended_on.isoformat() if placement.ended_on else None,
            "end_reason": placement.end_reason,
            "window_from": row.window_from.isoformat(), "window_to": row.window_to.isoformat(),
            "max_hours_per_week": str(row.cap) if row.cap is not None else None}


PAGE_DEFAULT, PAGE_MAX = 100, 500


def _encode_cursor(placement_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": placement_id}).encode()).decode().rstrip("=")


def _decode_cursor(value: str) -> int:
    try:
        after = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))["after"]
    except (ValueError, TypeError, KeyError):
        after = None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise ApiError(400, "the cursor is not one this API gave", "cursor")
    return after


def _query_int(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}", name)
    return int(value)


def _query_date(name: str) -> date | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ApiError(400, f"{name} must be a date YYYY-MM-DD", name)


def _query_datetime(name: str) -> datetime | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name} must be a date and time, ISO 8601 (2026-03-01T00:00:00Z)",
                       name) from None
    # A time without a zone is read as UTC, as stored.
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise ApiError(400, f"{name} is out of range", name) from None


@bp.route("/placements")
@token_required
def placements():
    """The provider's placements a page at a time in id order, with `next` for the following page.

    Filters: ?period=YYYY-MM (active that month), ?active_on=YYYY-MM-DD, ?updated_since=<ISO
    date-time>; ?limit (default 100, at most 500); ?cursor from the previous answer's `next`.
    Ordering by id means placements added during a walk come at its end: none is seen twice.
    """
    period = request.args.get("period")
    if period is not None:
        first, last = grid_service.month_bounds(period)
    else:
        first, last = date(1900, 1, 1), date(2999, 12, 31)
    active_on = _query_date("active_on")
    if active_on is not None:
        first, last = max(first, active_on), min(last, active_on)
    updated_since = _query_datetime("updated_since")
    limit = _query_int("limit", PAGE_DEFAULT, 1, PAGE_MAX)
    cursor = request.args.get("cursor")
    stmt = grid_service.placement_rows_query(g.provider_id, first, last)
    if cursor is not None:
        stmt = stmt.where(Placement.id > _decode_cursor(cursor))
    if updated_since is not None:
        stmt = stmt.where(Placement.updated_at >= updated_since)
    found = list(db.session.execute(stmt.order_by(Placement.id).limit(limit + 1)))
    record_list_access(db.session, g.api_user_id,
                       clients_of_referrals(db.session, [row[0].referral_id for row in found[:limit]]),
                       "API: placeringar")
    db.session.commit()
    page = [(grid_service.grid_row(*row), row[0]) for row in found[:limit]]
    body = {"placements": [_placement_json(row, placement) for row, placement in page], "next": None}
    if len(found) > limit:
        body["next"] = _encode_cursor(page[-1][1].id)
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        body["next_url"] = url_for("api.placements", **args, cursor=body["next"])
    return jsonify(body)


def _seen_one(row, page: str) -> None:
    for client_id in clients_of_referrals(db.session, [row.referral_id]):
        record_access(db.session, g.api_user_id, client_id, page)


def _attendance_json(ref: str, period: str) -> dict:
    row = _placement_row(ref)
    first, last = grid_service.month_bounds(period)
    days = db.session.execute(select(Attendance).where(
        Attendance.placement_id == row.placement_id, Attendance.date >= first,
        Attendance.date <= last).order_by(Attendance.date)).scalars()
    submitted = db.session.execute(select(MonthReport.id).where(
        MonthReport.provider_id == g.provider_id, MonthReport.period == period)).first() is not None
    return {"placement": ref, "period": period, "submitted": submitted,
            "settled": late_changes.is_settled(db.session, g.provider_id, period),
            "days": [{"date": a.date.isoformat(), "status": a.status,
                      "hours": f"{a.hours:.2f}"} for a in days]}


@bp.route("/placements/<ref>/attendance/<period>", methods=["GET"])
@token_required
def get_attendance(ref: str, period: str):
    check_period(period)
    body = _attendance_json(ref, period)
    _seen_one(_placement_row(ref), "API: närvaro")
    db.session.commit()
    return jsonify(body)


@bp.route("/placements/<ref>/attendance/<period>", methods=["PUT"])
@token_required
@write
def put_attendance(ref: str, period: str):
    """Replace the placement's whole month: days not listed are removed."""
    check_period(period)
    row = _placement_row(ref)
    first, last = grid_service.month_bounds(period)
    data = _body()
    days = data.get("days")
    if not isinstance(days, list):
        raise ValidationError("days", "days must be a list")
    if len(days) > 31:
        raise ValidationError("days", "at most one entry per day of the month")
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise ValidationError("reason", "reason must be text of at most 500 characters")
    wanted, fields = {}, {}
    for i, item in enumerate(days):
        path = f"days[{i}]"
        if not isinstance(item, dict):
            raise ValidationError(path, "each day must be an object")
        try:
            day = parse_date(item.get("date"))
        except BadDate:
            raise ValidationError(f"{path}.date", "date must be YYYY-MM-DD") from None
        if (row.placement_id, day) in wanted:
            raise ValidationError(f"{path}.date", "the date is listed twice")
        status = item.get("status", "present")
        if status not in ATTENDANCE_STATUSES:
            raise ValidationError(f"{path}.status", "status must be present or absent")
        if status == "absent":
            if item.get("hours") not in (None, 0, "0", "0.00"):
                raise ValidationError(f"{path}.hours", "an absent day has no hours")
            cell = ("absent", grid_service.Decimal("0"))
        else:
            cell = ("present", grid_service.check_hours(item.get("hours"), f"{path}.hours"))
        wanted[(row.placement_id, day)] = cell
        fields[(row.placement_id, day)] = f"{path}.date"
    first_w, last_w = max(first, row.window_from), min(last, row.window_to)
    for a_day in db.session.execute(select(Attendance.date).where(
            Attendance.placement_id == row.placement_id, Attendance.date >= first,
            Attendance.date <= last)).scalars():
        if (row.placement_id, a_day) not in wanted and first_w <= a_day <= last_w:
            wanted[(row.placement_id, a_day)] = None
    changed = grid_service.apply_changes(db.session, g.provider_id, period, wanted, fields, None,
                                         reason, channel="api")
    body = _attendance_json(ref, period)
    body["changed"] = changed
    return body, 200


def _outcome_json(outcome, ref: str) -> dict:
    return {"ref": outcome.ref, "placement": ref, "kind": outcome.kind,
            "result_date": outcome.result_date.isoformat(), "employer": outcome.employer,
            "extent": outcome.extent, "employment_form": outcome.employment_form or None,
            "status": results.outcome_status(outcome),
            "verified_on": outcome.verified_on.isoformat() if outcome.verified_on else None}


@bp.route("/placements/<ref>/outcomes", methods=["GET"])
@token_required
def list_outcomes(ref: str):
    _seen_one(_placement_row(ref), "API: resultat")
    rows = results.provider_outcomes(db.session, g.provider_id, ref)
    db.session.commit()
    return jsonify({"outcomes": [_outcome_json(o, r) for o, r, _name in rows]})


@bp.route("/placements/<ref>/outcomes", methods=["POST"])
@token_required
@write
def post_outcome(ref: str):
    _placement_row(ref)
    data = _body()
    raw_date = data.get("result_date")
    try:
        result_date = parse_date(raw_date)
    except BadDate:
        result_date = None
    if result_date is None:
        raise ValidationError("result_date", "result_date must be YYYY-MM-DD")
    texts = {}
    for name in ("kind", "employer", "extent", "employment_form"):
        value = data.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValidationError(name, f"{name} must be text")
        texts[name] = value
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise ValidationError("reason", "reason must be text of at most 500 characters")
    outcome = results.report_outcome(db.session, g.provider_id, ref, texts["kind"], result_date,
                                     texts["employer"], texts["extent"], texts["employment_form"],
                                     None, clock.today(), reason=reason, channel="api")
    return _outcome_json(outcome, ref), 201


@bp.route("/settlements")
@token_required
def settlements():
    """The provider's approved settlements with their lines; ?period=YYYY-MM narrows to one month."""
    stmt = select(Settlement).where(Settlement.provider_id == g.provider_id,
                                    Settlement.status == "approved").order_by(Settlement.period)
    period = request.args.get("period")
    if period is not None:
        stmt = stmt.where(Settlement.period == check_period(period))
    found = list(db.session.execute(stmt).scalars())
    lines: dict[int, list] = {s.id: [] for s in found}
    if found:
        for settlement_id, records in stored_line_records(db.session, list(lines)).items():
            lines[settlement_id] = sorted(records, key=line_order)
    db.session.commit()
    return jsonify({"settlements": [{
        "id": s.id, "number": s.number, "period": s.period, "credit_note": bool(s.credit_note),
        "total_excl_vat": f"{s.total_excl_vat:.2f}", "total_vat": f"{s.total_vat:.2f}",
        "total_incl_vat": f"{s.total_incl_vat:.2f}",
        "approved_at": s.approved_at.isoformat() if s.approved_at else None,
        "documents": {"pdf": f"/api/v1/settlements/{s.id}/document.pdf",
                      "peppol": f"/api/v1/settlements/{s.id}/document.xml"},
        "lines": lines[s.id]} for s in found]})


def _document(settlement_id: int):
    from app.settlement.documents.data import load_documents, settings_from_config

    settlement = db.session.get(Settlement, settlement_id) if 0 < settlement_id < 2**31 else None
    if settlement is None or settlement.provider_id != g.provider_id or settlement.status != "approved":
        raise ApiError(404, "no approved settlement with that id among yours")
    docs = load_documents(db.session, settings_from_config(current_app.config),
                          settlement_ids=[settlement_id])
    db.session.commit()
    if not docs:
        raise ApiError(404, "no approved settlement with that id among yours")
    return docs[0]


@bp.route("/settlements/<int:settlement_id>/document.pdf")
@token_required
def settlement_pdf(settlement_id: int):
    from app.settlement.documents.pdf import render_pdf

    doc = _document(settlement_id)
    return Response(render_pdf(doc), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{doc.file_stem}.pdf"'})


@bp.route("/settlements/<int:settlement_id>/document.xml")
@token_required
def settlement_peppol(settlement_id: int):
    from app.settlement.documents.peppol import build_peppol

    doc = _document(settlement_id)
    if doc.internal:
        raise ApiError(404, "the own unit's settlements are internal, with no Peppol document")
    return Response(build_peppol(doc), mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{doc.file_stem}.xml"'})


@bp.route("/openapi.json")
@public
def openapi():
    from app.reporting.openapi import openapi_document

    return jsonify(openapi_document(request.host_url.rstrip("/")))
