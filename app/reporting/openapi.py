"""The OpenAPI 3.1 document of /api/v1/, made from the route table and the operations' models.

Nothing here is written per endpoint: every `api.*` route's `Operation` (api_support.py) gives
its parameters (the query and path models), its body and answer (pydantic's JSON Schemas, put
under components) and its errors (the codes of api_errors.py, by status). Tests call the live
app with it (schemathesis) and check that every route is in it.
"""
from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask, current_app
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.reporting.api_errors import CODES
from app.reporting.api_models import ErrorBody, Input
from app.reporting.api_support import Operation

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
# Every operation may answer these; the query models may add their own codes.
COMMON = {422: ("unknown_parameter",), 429: ("rate_limited",)}
BY_TOKEN = {401: ("unauthorized",)}
WRITES = {409: ("conflict",), 413: ("too_large",),
          422: ("not_an_object", "nul_character", "idempotency_key_too_long", "idempotency_key_reused")}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "maxLength": 200},
               "description": "A retried write with the same key and body gets the first answer again."}
DESCRIPTION = """Report attendance and results from your own system. Authenticate with an API token
created under Anordnare → API-nycklar (`Authorization: Bearer <token>`).

Errors have one shape: `{"error": {"status", "code", "field", "message", "errors": [...]}}`.
`code` is stable; `field` is the JSON path in the body (`days[3].hours`) or the parameter's name,
null when the error concerns the whole request; `message` is in the language of
`Accept-Language` (`sv`, the default, or `en`).

| code | status | meaning |
|---|---|---|
"""


def operations(app: Flask | None = None) -> list[tuple[str, str, Operation, Any]]:
    """(path as OpenAPI writes it, method, operation, view) of every API route."""
    app = app or current_app
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "api_operation", None)
        if not rule.endpoint.startswith("api.") or op is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((path, method.lower(), op, view))
    return sorted(found, key=lambda item: (item[0], item[1]))


def _parameters(model: type[Input] | None, where: str) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    found = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k not in ("title", "description")}
        options = [s for s in prop.pop("anyOf", []) if s != {"type": "null"}]
        prop = {**options[0], **prop} if options else prop  # an absent parameter, not null
        if prop.get("default", "") is None:
            del prop["default"]
        parameter = {"name": name, "in": where, "required": where == "path" or name in required,
                     "schema": prop}
        description = model.model_fields[name].description
        if description:
            parameter["description"] = description
        found.append(parameter)
    return found


def errors_of(op: Operation) -> dict[int, list[str]]:
    """The codes an operation may answer, by status."""
    found: dict[int, list[str]] = {}
    parts = [COMMON, BY_TOKEN if op.token else {}, WRITES if op.write else {}, op.errors,
             *(getattr(m, "error_codes", {}) for m in (op.query, op.path, op.body) if m)]
    for part in parts:
        for status, codes in part.items():
            found.setdefault(status, [])
            found[status] += [code for code in codes if code not in found[status]]
    return dict(sorted(found.items()))


def _error_response(codes: list[str]) -> dict[str, Any]:
    listed = "\n".join(f"- `{code}`: {CODES[code].meaning}" for code in codes)
    schema = {"allOf": [{"$ref": REF.format(model="ErrorBody")}, {"properties": {"error": {
        "properties": {"code": {"enum": codes}}}}}]}
    return {"description": listed, "content": {"application/json": {"schema": schema}}}


def _answer(op: Operation, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    if op.answer is not None:
        schema = refs[(op.answer, "serialization")]
        return {"description": op.answer.__doc__ or op.answer.__name__,
                "content": {"application/json": {"schema": schema}}}
    schema = {"type": "object"} if op.media == "application/json" else {"type": "string", "format": "binary"}
    return {"description": f"The document ({op.media})", "content": {op.media: {"schema": schema}}}


def _operation(op: Operation, view: Any, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    doc = inspect.getdoc(view) or op.operation_id
    summary, _, description = doc.partition("\n")
    found: dict[str, Any] = {"operationId": op.operation_id, "summary": summary.strip()}
    if description.strip():
        found["description"] = description.strip()
    parameters = _parameters(op.path, "path") + _parameters(op.query, "query")
    if op.write:
        parameters.append(IDEMPOTENCY)
        found["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[(op.body, "validation")]}}}
    if parameters:
        found["parameters"] = parameters
    found["security"] = [{"bearer": []}] if op.token else []
    found["responses"] = {str(op.status): _answer(op, refs), **{
        str(status): _error_response(codes) for status, codes in errors_of(op).items()}}
    return found


def _schemas(ops: list[tuple[str, str, Operation, Any]]) -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
    wanted: list[tuple[type[BaseModel], Any]] = [(ErrorBody, "serialization")]
    for _path, _method, op, _view in ops:
        if op.answer is not None:
            wanted.append((op.answer, "serialization"))
        if op.body is not None:
            wanted.append((op.body, "validation"))
    refs, defs = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF)
    return refs, defs.get("$defs", {})


def openapi_document(server_url: str = "") -> dict[str, Any]:
    """The whole document; `server_url` is where this installation answers.

    Made once per app (the routes and models don't change while it runs)."""
    made = current_app.extensions.get("kundval_openapi")
    if made is None:
        made = current_app.extensions["kundval_openapi"] = _document()
    return {**made, "servers": [{"url": (server_url or "") + PREFIX}]}


def _document() -> dict[str, Any]:
    ops = operations()
    refs, schemas = _schemas(ops)
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op, view in ops:
        paths.setdefault(path, {})[method] = _operation(op, view, refs)
    table = "".join(f"| `{code}` | {c.status} | {c.meaning} |\n" for code, c in CODES.items())
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kundval provider API", "version": "1.1.0",
                 "description": DESCRIPTION + table},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": schemas},
    }
