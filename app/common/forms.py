"""Showing a service's ValidationError on the form it came from, beside the field it names;
form fields with the common bounds (dates 1900–2100, a weekly cap)."""
from __future__ import annotations

from typing import Any

import wtforms
from flask_babel import lazy_gettext as _l

from app.common.dates import MAX_DATE, MIN_DATE, BadDate, in_bounds
from app.common.errors import ValidationError
from app.common.money import MAX_WEEK_HOURS, OutOfBounds, parse_weekly_cap


def show_error(form: Any, exc: ValidationError, aliases: dict[str, Any] | None = None, as_sentence: bool = False) -> None:
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


class DateField(wtforms.DateField):  # type: ignore[misc]  # WTForms ships no type hints
    """An ISO date field that also refuses dates outside 1900–2100 (9999-12-31 breaks date maths)."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None:
            try:
                in_bounds(self.data)
            except BadDate:
                self.data = None
                raise wtforms.validators.ValidationError(
                    _l("Ange ett datum mellan %(first)s och %(last)s.", first=MIN_DATE.year,
                       last=MAX_DATE.year)) from None


class WeeklyCapField(wtforms.StringField):  # type: ignore[misc]
    """Hours per week, more than 0 and at most 168, or empty for no cap (NaN and 1e400 refused)."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        raw = self.data
        self.raw_text = raw
        try:
            self.data = parse_weekly_cap(raw)
        except OutOfBounds:
            self.data = None
            raise wtforms.validators.ValidationError(
                _l("Ange timmar per vecka, mer än 0 och högst %(max)s.", max=int(MAX_WEEK_HOURS))) from None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


class IntegerField(wtforms.IntegerField):  # type: ignore[misc]
    """A whole number of at most nine digits (a longer one breaks NumberRange's float check)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > 9:
            self.data = None
            raise wtforms.validators.ValidationError(_l("Ange ett mindre tal."))
        super().process_formdata(valuelist)
