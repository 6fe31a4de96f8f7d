"""The domain error: every service raises it with the path of the field that is wrong."""
from __future__ import annotations

from typing import Any


def msgid_of(message: Any) -> str:
    """The Swedish msgid of a lazy string (`_l(...)`), placeholders filled in; a plain string as it is."""
    lazy_args = getattr(message, "_args", None)
    if not lazy_args:
        return str(message)
    variables = getattr(message, "_kwargs", {})
    return str(lazy_args[0] % variables if variables else lazy_args[0])


class ValidationError(Exception):
    """Bad input, named by field (`attendance[12].hours`) and explained in words.

    The message is usually a lazy string (`_l("välj en tjänst")`): it is translated when it is read
    (`.message`), in the language of the request that shows it, not when the service raises it. Its
    Swedish msgid (`.msgid`) stays the same in every language, for code that recognises a message.
    """

    def __init__(self, field: str, message: Any):
        super().__init__(field, message)
        self.field = field
        self._message = message

    @property
    def message(self) -> str:
        return str(self._message)

    @property
    def lazy_message(self) -> Any:
        """The message as raised (usually a lazy string), to be translated later for another reader."""
        return self._message

    @property
    def msgid(self) -> str:
        """The untranslated (Swedish) message, with its placeholders filled in."""
        return msgid_of(self._message)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationErrors(ValidationError):
    """Several fields wrong at once, so a form can show every mistake together; the first names the field."""

    def __init__(self, errors: list[ValidationError]):
        super().__init__(errors[0].field, errors[0]._message)
        self.errors = errors


# The provider API's error codes for what the app answers before a view runs (no such path, a
# method the path lacks, our own fault); the API's own codes are in app/reporting/api_errors.py.
API_HTTP_CODES = {400: "unreadable", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
                  429: "rate_limited", 500: "internal"}


def api_error_body(status: int, message: str) -> dict[str, Any]:
    """The API's error shape (`code`, `field`, `message`) for an error of the app, not of a view."""
    item = {"code": API_HTTP_CODES.get(status, "unreadable"), "field": None, "message": str(message)}
    return {"error": {"status": status, **item, "errors": [item]}}
