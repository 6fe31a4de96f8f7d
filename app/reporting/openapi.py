"""The OpenAPI 3 description of /api/v1/, kept true by tests that call the live app with it."""
from __future__ import annotations

DATE = {"type": "string", "format": "date", "example": "2026-03-02"}
PERIOD = {"type": "string", "pattern": r"^20\d{2}-(0[1-9]|1[0-2])$", "example": "2026-03"}
HOURS = {"type": "string", "pattern": r"^\d{1,2}(\.\d{1,2})?$", "example": "7.50",
         "description": "Hours in quarter steps, more than 0 and at most 24."}
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "1920.00"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}
NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}
BAD_REQUEST = {"400": {"$ref": "#/components/responses/BadRequest"}}
INVALID = {"422": {"$ref": "#/components/responses/Invalid"}}
REF_PARAM = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"},
             "description": "The placement's ref."}
PERIOD_PARAM = {"name": "period", "in": "path", "required": True, "schema": PERIOD}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "maxLength": 200},
               "description": "A retried write with the same key and body gets the first answer again."}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "message"], "properties": {
            "status": {"type": "integer"}, "message": {"type": "string"},
            "errors": {"type": "array", "items": {
                "type": "object", "required": ["field", "message"],
                "properties": {"field": {"type": "string", "example": "days[3].hours"},
                               "message": {"type": "string"}}}}}}}},
    "Placement": {"type": "object", "required": ["ref", "client_name", "service_type", "rate_unit",
                                                 "start_date", "window_from", "window_to"],
                  "properties": {
                      "ref": {"type": "string"}, "client_name": {"type": "string"},
                      "offering_title": {"type": "string"},
                      "service_type": {"type": "string", "enum": ["arbetsprovning", "arbetstraning",
                                                                  "praktik", "utredning"]},
                      "rate_unit": {"type": "string", "enum": ["hour", "day", "week", "package"]},
                      "start_date": DATE, "ended_on": {**DATE, "nullable": True},
                      "end_reason": {"type": "string", "nullable": True},
                      "window_from": DATE, "window_to": DATE,
                      "max_hours_per_week": {"type": "string", "nullable": True}}},
    "Day": {"type": "object", "required": ["date"], "additionalProperties": False, "properties": {
        "date": DATE, "status": {"type": "string", "enum": ["present", "absent"], "default": "present"},
        "hours": {**HOURS, "nullable": True}}},
    "Attendance": {"type": "object", "required": ["placement", "period", "submitted", "days"],
                   "properties": {"placement": {"type": "string"}, "period": PERIOD,
                                  "submitted": {"type": "boolean"},
                                  "settled": {"type": "boolean", "description":
                                              "The month is settled: changes need a reason."},
                                  "changed": {"type": "integer"},
                                  "days": {"type": "array", "items": _ref("Day")}}},
    "AttendanceReplace": {"type": "object", "required": ["days"], "properties": {
        "days": {"type": "array", "maxItems": 31, "items": _ref("Day")},
        "reason": {"type": "string", "maxLength": 500,
                   "description": "Required when the month has been submitted or settled "
                                  "(an approved settlement or a closed period)."}}},
    "OutcomeIn": {"type": "object", "required": ["kind", "result_date", "employer", "extent"],
                  "properties": {
                      "kind": {"type": "string", "enum": ["employment", "studies"]},
                      "result_date": DATE, "employer": {"type": "string", "maxLength": 200},
                      "extent": {"type": "string", "maxLength": 100},
                      "employment_form": {"type": "string", "enum": [
                          "", "regular", "extratjanst", "introduktionsjobb", "lonebidrag"]},
                      "reason": {"type": "string", "maxLength": 500,
                                 "description": "Required when result_date lies in a settled month."}}},
    "Outcome": {"type": "object", "required": ["ref", "placement", "kind", "result_date", "status"],
                "properties": {
                    "ref": {"type": "string"}, "placement": {"type": "string"},
                    "kind": {"type": "string", "enum": ["employment", "studies"]},
                    "result_date": DATE, "employer": {"type": "string"}, "extent": {"type": "string"},
                    "employment_form": {"type": "string", "nullable": True},
                    "status": {"type": "string", "enum": ["pending", "verified", "rejected"]},
                    "verified_on": {**DATE, "nullable": True}}},
    "SettlementLine": {"type": "object", "properties": {
        "placement": {"type": "string"}, "kind": {"type": "string"}, "quantity": MONEY,
        "unit_price": MONEY, "amount": MONEY, "vat_rate": {"type": "integer"}, "vat": MONEY,
        "ref_period": {"type": "string", "nullable": True},
        "ref_kind": {"type": "string", "nullable": True}}},
    "Settlement": {"type": "object", "required": ["id", "period", "lines"], "properties": {
        "id": {"type": "integer"}, "number": {"type": "string", "nullable": True}, "period": PERIOD,
        "credit_note": {"type": "boolean"}, "total_excl_vat": MONEY, "total_vat": MONEY,
        "total_incl_vat": MONEY, "approved_at": {"type": "string", "nullable": True},
        "documents": {"type": "object", "properties": {"pdf": {"type": "string"},
                                                        "peppol": {"type": "string"}}},
        "lines": {"type": "array", "items": _ref("SettlementLine")}}},
}


def openapi_document(server_url: str = "") -> dict:
    """The whole document; `server_url` is where this installation answers."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Kundval provider API", "version": "1.0.0",
                 "description": "Report attendance and results from your own system. Authenticate "
                                "with an API token created under Anordnare → API-nycklar."},
        "servers": [{"url": (server_url or "") + "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/placements": {"get": {
                "operationId": "listPlacements", "summary": "Your placements",
                "description": "A page at a time in a stable order; follow `next` (or `next_url`) "
                               "until it is null. Placements added during the walk come at its end.",
                "parameters": [
                    {"name": "period", "in": "query", "required": False, "schema": PERIOD,
                     "description": "Only placements active some day of this month."},
                    {"name": "active_on", "in": "query", "required": False, "schema": DATE,
                     "description": "Only placements active on this day."},
                    {"name": "updated_since", "in": "query", "required": False,
                     "schema": {"type": "string", "format": "date-time",
                                "example": "2026-03-01T00:00:00Z"},
                     "description": "Only placements changed at or after this time."},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
                    {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "The `next` of the previous page."}],
                "responses": {"200": _json({"type": "object", "required": ["placements", "next"],
                                            "properties": {
                    "placements": {"type": "array", "items": _ref("Placement")},
                    "next": {"type": "string", "nullable": True,
                             "description": "The cursor of the next page; null on the last."},
                    "next_url": {"type": "string"}}}, "Placements"),
                    **BAD_REQUEST, **INVALID, **ERRORS}}},
            "/placements/{ref}/attendance/{period}": {
                "parameters": [REF_PARAM, PERIOD_PARAM],
                "get": {"operationId": "getAttendance", "summary": "A placement's month of attendance",
                        "responses": {"200": _json(_ref("Attendance"), "The month"),
                                      **NOT_FOUND, **INVALID, **ERRORS}},
                "put": {"operationId": "replaceAttendance",
                        "summary": "Replace the month: days not listed are removed",
                        "parameters": [IDEMPOTENCY],
                        "requestBody": {"required": True, "content": {"application/json": {
                            "schema": _ref("AttendanceReplace")}}},
                        "responses": {"200": _json(_ref("Attendance"), "The month as stored"),
                                      **NOT_FOUND, **INVALID, **ERRORS}}},
            "/placements/{ref}/outcomes": {
                "parameters": [REF_PARAM],
                "get": {"operationId": "listOutcomes", "summary": "Results reported for a placement",
                        "responses": {"200": _json({"type": "object", "required": ["outcomes"],
                                                    "properties": {"outcomes": {
                                                        "type": "array", "items": _ref("Outcome")}}},
                                                   "Results"), **NOT_FOUND, **ERRORS}},
                "post": {"operationId": "reportOutcome", "summary": "Report work or studies",
                         "parameters": [IDEMPOTENCY],
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": _ref("OutcomeIn")}}},
                         "responses": {"201": _json(_ref("Outcome"), "Reported"),
                                       **NOT_FOUND, **INVALID, **ERRORS}}},
            "/settlements": {"get": {
                "operationId": "listSettlements", "summary": "Your approved settlements and lines",
                "parameters": [{"name": "period", "in": "query", "required": False, "schema": PERIOD}],
                "responses": {"200": _json({"type": "object", "required": ["settlements"], "properties": {
                    "settlements": {"type": "array", "items": _ref("Settlement")}}}, "Settlements"),
                    **INVALID, **ERRORS}}},
            "/settlements/{id}/document.pdf": {"get": {
                "operationId": "settlementPdf", "summary": "The settlement as PDF",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "PDF", "content": {"application/pdf": {
                    "schema": {"type": "string", "format": "binary"}}}}, **NOT_FOUND, **ERRORS}}},
            "/settlements/{id}/document.xml": {"get": {
                "operationId": "settlementPeppol", "summary": "The settlement as Peppol BIS 3 XML",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "XML", "content": {"application/xml": {
                    "schema": {"type": "string"}}}}, **NOT_FOUND, **ERRORS}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": {
                "Unauthorized": _json(_ref("Error"), "No valid token"),
                "NotFound": _json(_ref("Error"), "Not among your data"),
                "BadRequest": _json(_ref("Error"), "A query parameter could not be read, named"),
                "Invalid": _json(_ref("Error"), "Invalid input, with the field path"),
                "TooManyRequests": _json(_ref("Error"), "Rate limit per token exceeded"),
            },
        },
    }
