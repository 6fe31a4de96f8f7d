"""The machinery under every provider API view: token, parameters, body, idempotent writes, errors.

A view is declared with `@operation(...)`: what it reads (query, path and body models), what it
answers (a model, or a document's media type) and which error codes it may give besides the
common ones. The decorator authenticates the token, validates the query and path into their
models (the view gets them as `query=` and `path=`), commits once, replays a repeated
Idempotency-Key for writes and turns every error into the body of api_errors. The OpenAPI
document is made from the same declarations (openapi.py), so it cannot drift from the views.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from werkzeug.exceptions import HTTPException

from app.common.base import utcnow
from app.common.errors import API_HTTP_CODES, ValidationError
from app.extensions import csrf, db, limiter
from app.providers import service as provider_service
from app.providers.models import IdempotencyRecord
from app.reporting.api_errors import ApiError, from_pydantic, from_service
from app.reporting.api_models import Input, NoQuery

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
M = TypeVar("M", bound=Input)


def _rate_key() -> str:
    header = request.headers.get("Authorization", "")
    prefix = provider_service.token_prefix(header[7:].strip()) if header.startswith("Bearer ") else ""
    return f"token:{prefix}" if prefix else f"ip:{request.remote_addr}"


limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "300 per minute"), key_func=_rate_key)(bp)
# Requests without a valid token count per address, whatever token they make up.
limiter.limit(lambda: current_app.config.get("API_FAILED_TOKEN_LIMIT", "20 per minute"),
              key_func=lambda: f"bad-token:{request.remote_addr}",
              deduct_when=lambda response: response.status_code == 401)(bp)

HTTP_CODES = {status: code for status, code in API_HTTP_CODES.items() if status != 500}


def error_response(error: ApiError) -> Response:
    response = Response(json.dumps(error.body(), ensure_ascii=False), status=error.status,
                        mimetype="application/json")
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kundval"'
    if error.status == 429:
        response.headers["Retry-After"] = "60"
    return response


@bp.errorhandler(Exception)
def _error(exc: Exception) -> Response:
    """Every error of the API as its body; anything unexpected goes on to the app's 500 page."""
    if isinstance(exc, ApiError):
        error = exc
    elif isinstance(exc, ValidationError):
        error = from_service(exc)
    elif isinstance(exc, PydanticError):
        error = from_pydantic(exc)
    elif isinstance(exc, HTTPException) and exc.code in HTTP_CODES:
        error = ApiError(HTTP_CODES[exc.code])
    else:
        raise exc
    db.session.rollback()
    return error_response(error)


@dataclass(frozen=True)
class Operation:
    """One endpoint as the document describes it; `errors` are its own codes by status."""

    operation_id: str
    answer: type[BaseModel] | None = None   # the JSON answer's model
    media: str | None = None                # or a document of this media type
    status: int = 200
    query: type[Input] = NoQuery
    path: type[Input] | None = None
    body: type[Input] | None = None
    errors: dict[int, tuple[str, ...]] = field(default_factory=dict)
    token: bool = True

    @property
    def write(self) -> bool:
        return self.body is not None


def validate(model: type[M], data: Any, *, status: int = 422, query: bool = False) -> M:
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        raise from_pydantic(exc, status, query=query) from None


def read_body(model: type[M]) -> M:
    """The JSON body as `model`; the field paths of its errors are those of the JSON."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError("not_an_object", "body")
    if b"\\u0000" in request.get_data() or b"\x00" in request.get_data():
        raise ApiError("nul_character", "body")
    return validate(model, data)


def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    token = provider_service.authenticate_token(db.session, header[7:].strip()) \
        if header.startswith("Bearer ") else None
    if token is None:
        raise ApiError("unauthorized")
    g.provider_id = token.provider_id
    g.api_token_id = token.id
    g.api_user_id = token.created_by_id  # who the access log names for the token's views
    token.last_used_at = utcnow()


def operation(op: Operation) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Declare a view as an API operation (see the module's docstring)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Response]:
        @wraps(view)
        def wrapped(**view_args: Any) -> Response:
            if op.token:
                _authenticate()
            args: dict[str, Any] = {}
            query = validate(op.query, request.args.to_dict(), status=400, query=True)
            if op.query is not NoQuery:
                args["query"] = query
            if op.path is not None:
                args["path"] = validate(op.path, view_args)
            if op.write:
                return _write(lambda: view(**args), op.status)
            answer = view(**args)
            db.session.commit()
            return answer if isinstance(answer, Response) else _json(answer, op.status)

        wrapped.api_operation = op  # type: ignore[attr-defined]
        if op.token:  # for the route walker: a provider's endpoint, reached by token, not login
            wrapped.access_roles = ("provider",)  # type: ignore[attr-defined]
            wrapped.access_token = True  # type: ignore[attr-defined]
        return wrapped

    return decorate


def _text(answer: BaseModel) -> str:
    return json.dumps(answer.model_dump(mode="json", exclude_unset=True), ensure_ascii=False)


def _json(answer: BaseModel, status: int) -> Response:
    return Response(_text(answer), status=status, mimetype="application/json")


def _write(view: Callable[[], BaseModel], status: int) -> Response:
    """Commit once after a write; replay the stored answer for a repeated Idempotency-Key."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise ApiError("idempotency_key_too_long", "Idempotency-Key")
    digest = hashlib.sha256(request.method.encode() + request.path.encode() + b"\n"
                            + request.get_data()).hexdigest()
    stored = _stored(key) if key else None
    if stored is not None:
        return _replay(stored, digest)
    body = _text(view())
    if key:
        db.session.add(IdempotencyRecord(provider_id=g.provider_id, key=key, method=request.method,
                                         path=request.path[:300], request_hash=digest,
                                         status_code=status, response_body=body))
    return _commit(key, digest) or Response(body, status=status, mimetype="application/json")


def _commit(key: str, digest: str) -> Response | None:
    """Commit; None, or the stored answer of the same key if another request won the race."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        stored = _stored(key) if key else None
        if stored is None:
            raise ApiError("conflict") from None
        return _replay(stored, digest)
    return None


def _stored(key: str) -> IdempotencyRecord | None:
    return db.session.execute(select(IdempotencyRecord).where(
        col(IdempotencyRecord.provider_id) == g.provider_id, col(IdempotencyRecord.key) == key)).scalar()


def _replay(stored: IdempotencyRecord, digest: str) -> Response:
    if stored.request_hash != digest:
        raise ApiError("idempotency_key_reused", "Idempotency-Key")
    response = Response(stored.response_body, status=stored.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response
