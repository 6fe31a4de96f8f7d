"""Showing a service's ValidationError on the form it came from, beside the field it names."""
from __future__ import annotations

from app.common.errors import ValidationError


def show_error(form, exc: ValidationError, aliases: dict | None = None, as_sentence: bool = False) -> None:
    """Put the message beside its field (`aliases` maps service names to form fields), or above
    the form when no field matches."""
    name = (aliases or {}).get(exc.field, exc.field)
    field = getattr(form, name, None)
    message = sentence(exc.message) if as_sentence else exc.message
    (field.errors if field is not None and hasattr(field, "errors") else form.form_errors).append(message)


def sentence(message: str) -> str:
    """A service's message ("välj en tjänst") as a sentence on the page ("Välj en tjänst.")."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "!", "?")) else ".")
