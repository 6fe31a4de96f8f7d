"""The domain error: every service raises it with the path of the field that is wrong."""


class ValidationError(Exception):
    """Bad input, named by field (`attendance[12].hours`) and explained in words."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message



class ValidationErrors(ValidationError):
    """Several fields wrong at once, so a form can show every mistake together; the first names the field."""

    def __init__(self, errors: list[ValidationError]):
        super().__init__(errors[0].field, errors[0].message)
        self.errors = errors


# The provider API's error codes for what the app answers before a view runs (no such path, a
# method the path lacks, our own fault); the API's own codes are in app/reporting/api_errors.py.
API_HTTP_CODES = {400: "unreadable", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
                  429: "rate_limited", 500: "internal"}


def api_error_body(status: int, message: str) -> dict:
    """The API's error shape (`code`, `field`, `message`) for an error of the app, not of a view."""
    item = {"code": API_HTTP_CODES.get(status, "unreadable"), "field": None, "message": str(message)}
    return {"error": {"status": status, **item, "errors": [item]}}
