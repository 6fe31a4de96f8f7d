"""The domain error: every service raises it with the path of the field that is wrong."""
from __future__ import annotations

from typing import Any


def msgid_of(message: Any) -> str:
    """The Swedish msgid of a lazy string (`_l(...)`), placeholders filled in; a plain string as it is."""
    lazy_args = getattr(message, "_args", None)
    if not lazy_args:
        return str(message)
    variables = getattr(message, "_kwargs", {})
    return lazy_args[0] % variables if variables else lazy_args[0]


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
