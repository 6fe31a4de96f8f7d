"""The provider API's errors: a stable `code`, the `field` it concerns and a `message` to show.

A program reads `code` (the list below is the contract, documented in the OpenAPI document and
docs/api.md); `field` is the JSON path in the body (`days[3].hours`) or the parameter's name,
null when the error is about the request as a whole; `message` is for a person, in the language
of `Accept-Language` (Swedish unless English is asked for). Every error body looks alike:

    {"error": {"status": 422, "code": "invalid_hours", "field": "days[3].hours",
               "message": "...", "errors": [{"code": ..., "field": ..., "message": ...}, ...]}}

`errors` lists every problem found (the first is repeated at the top), so a client can show all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError as PydanticError
from pydantic_core import ErrorDetails, PydanticCustomError

from app.common.errors import ValidationError, ValidationErrors


@dataclass(frozen=True)
class Code:
    status: int      # the status this code is answered with (a query parameter's: `query_status`)
    message: Any     # a lazy message, Swedish in the source, English in the catalog
    meaning: str     # what it means, for the document and docs/api.md (English, like the API)


CODES: dict[str, Code] = {
    "unauthorized": Code(401, _l("En giltig API-nyckel krävs (Authorization: Bearer …)."),
                         "No token, an unknown, revoked or expired one."),
    "rate_limited": Code(429, _l("För många anrop. Vänta en minut och försök igen."),
                         "Too many requests for this token (or failed tokens from this address)."),
    "not_found": Code(404, _l("Det finns inget sådant i API:t."), "No such path in the API."),
    "method_not_allowed": Code(405, _l("Den metoden går inte att använda här."),
                               "The path exists, the method does not."),
    "placement_not_found": Code(404, _l("Ingen placering med den referensen bland era placeringar."),
                                "No placement with that ref among the provider's."),
    "settlement_not_found": Code(404, _l("Ingen godkänd avräkning med det id:t bland era."),
                                 "No approved settlement with that id among the provider's."),
    "no_peppol_document": Code(404, _l("Den egna enhetens avräkningar är interna och har inget "
                                       "Peppol-dokument."),
                               "The own unit's settlements are internal: no Peppol invoice."),
    "unreadable": Code(400, _l("Förfrågan kunde inte läsas."), "The request could not be read."),
    "too_large": Code(413, _l("Förfrågan är för stor (högst 1 MB)."), "The body is over 1 MB."),
    "conflict": Code(409, _l("Förfrågan krockade med en annan samtidig. Försök igen."),
                     "The same Idempotency-Key arrived twice at once; retry."),
    "unknown_parameter": Code(422, _l("Okänd frågeparameter."), "A query parameter the operation lacks."),
    "not_an_object": Code(422, _l("Kroppen måste vara ett JSON-objekt."), "The body is not a JSON object."),
    "nul_character": Code(422, _l("Text får inte innehålla NUL-tecken."), "The body contains a NUL character."),
    "required": Code(422, _l("Fältet saknas."), "A required field is missing."),
    "unknown_field": Code(422, _l("Fältet finns inte här."), "A field the model does not have."),
    "invalid_type": Code(422, _l("Värdet har fel typ."), "A value of the wrong JSON type."),
    "invalid_choice": Code(422, _l("Välj ett av: %(choices)s."), "A value outside the allowed ones."),
    "text_too_long": Code(422, _l("Högst %(max)d tecken."), "A text over its maximum length."),
    "too_many_items": Code(422, _l("Högst %(max)d poster."), "A list over its maximum length."),
    "invalid_date": Code(422, _l("Ange ett datum som ÅÅÅÅ-MM-DD."), "Not a date YYYY-MM-DD (1900–2100)."),
    "invalid_datetime": Code(400, _l("Ange datum och tid enligt ISO 8601 (2026-03-01T00:00:00Z)."),
                             "Not an ISO 8601 date and time."),
    "invalid_period": Code(422, _l("Ange en månad som ÅÅÅÅ-MM."), "Not a month YYYY-MM."),
    "invalid_number": Code(400, _l("Ange ett heltal från %(low)d till %(high)d."),
                           "Not a whole number in the allowed range."),
    "invalid_cursor": Code(400, _l("Markören är inte en som API:t har gett."),
                           "A cursor this API did not give."),
    "invalid_hours": Code(422, _l("Timmarna är ogiltiga."),
                          "Hours not more than 0 and at most 24 in quarter steps."),
    "absent_with_hours": Code(422, _l("En frånvarodag har inga timmar."), "An absent day with hours."),
    "duplicate_date": Code(422, _l("Datumet finns redan i listan."), "A date listed twice."),
    "idempotency_key_too_long": Code(422, _l("Idempotency-Key får vara högst 200 tecken."),
                                     "The Idempotency-Key is over 200 characters."),
    "idempotency_key_reused": Code(422, _l("Den här Idempotency-Key användes för en annan förfrågan."),
                                   "The Idempotency-Key was used for a different request."),
    "rejected": Code(422, _l("Uppgiften godtogs inte."),
                     "A rule refused the data (outside the placement, a reason needed, a duplicate "
                     "result …); the message says which."),
    "invalid": Code(422, _l("Värdet är ogiltigt."), "Any other invalid value."),
    "internal": Code(500, _l("Något gick fel hos oss. Försök igen om en stund."),
                     "A fault of ours; retry later."),
}

# Pydantic's error types, as our codes (anything else is `invalid`).
PYDANTIC_CODES = {
    "missing": "required", "extra_forbidden": "unknown_field", "literal_error": "invalid_choice",
    "enum": "invalid_choice", "string_too_long": "text_too_long", "too_long": "too_many_items",
    "string_type": "invalid_type", "list_type": "invalid_type", "model_type": "invalid_type",
    "model_attributes_type": "invalid_type", "dict_type": "invalid_type", "int_type": "invalid_type",
    "bool_type": "invalid_type",
}


class ApiError(Exception):
    """An error the API answers with its code; `params` fill the code's message."""

    def __init__(self, code: str, field: str | None = None, *, status: int | None = None,
                 message: str | None = None, **params: Any):
        super().__init__(code)
        self.code, self.field = code, field
        self.status = status or CODES[code].status
        self.message = message if message is not None else message_of(code, **params)
        self.errors: list[dict[str, Any]] = [self.item()]

    def item(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "message": self.message}

    def body(self) -> dict[str, Any]:
        return {"error": {"status": self.status, **self.item(), "errors": self.errors}}


def message_of(code: str, **params: Any) -> str:
    text = CODES[code].message
    return str(text % params if params else text)


def custom(code: str, **params: Any) -> PydanticCustomError:
    """Raised inside a model's validator: pydantic keeps the field's path, we keep the code."""
    return PydanticCustomError(code, "{message}", {"message": message_of(code, **params)})


def field_path(loc: tuple[int | str, ...]) -> str:
    """('days', 3, 'hours') -> 'days[3].hours'."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _item(error: ErrorDetails, prefix: str = "") -> dict[str, Any]:
    kind, ctx = error["type"], error.get("ctx") or {}
    field = prefix + field_path(error["loc"]) if error["loc"] else None
    if kind in CODES:  # raised by our own validators with `custom()`
        return {"code": kind, "field": field, "message": error["msg"]}
    code = PYDANTIC_CODES.get(kind, "invalid")
    params: dict[str, Any] = {}
    if code == "invalid_choice":
        params = {"choices": ctx.get("expected", "")}
    elif code in ("text_too_long", "too_many_items"):
        params = {"max": ctx.get("max_length", 0)}
    return {"code": code, "field": field, "message": message_of(code, **params)}


def from_pydantic(exc: PydanticError, status: int = 422, *, query: bool = False) -> ApiError:
    """The model's errors as one ApiError; in a query, an unknown name is `unknown_parameter`."""
    items = []
    for detail in exc.errors(include_url=False, include_input=False):
        item = _item(detail)
        if query and item["code"] == "unknown_field":
            item = {"code": "unknown_parameter", "field": f"query.{str(detail['loc'][0])[:50]}",
                    "message": message_of("unknown_parameter")}
        items.append(item)
    first = items[0]
    if first["code"] in ("unknown_parameter", "invalid_period"):
        status = 422  # as the API always answered these
    error = ApiError(first["code"], first["field"], status=status, message=first["message"])
    error.errors = items
    return error


def from_service(exc: ValidationError) -> ApiError:
    """A service refused the data: code `rejected`, the service's field and its (translated) message."""
    errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
    error = ApiError("rejected", exc.field, message=str(exc.message))
    error.errors = [{"code": "rejected", "field": e.field, "message": str(e.message)} for e in errors]
    return error
