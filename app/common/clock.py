"""Today's date, from one place: everything that refuses the future asks here, and tests can set it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

_fixed: date | None = None


def today() -> date:
    """The date the application works on (the real one unless a test has fixed it)."""
    return _fixed or date.today()


@contextmanager
def fixed_today(day: date) -> Iterator[None]:
    """Make `today()` return `day` inside the block."""
    global _fixed
    previous, _fixed = _fixed, day
    try:
        yield
    finally:
        _fixed = previous


def check_not_future(day: date | None, field_name: str) -> None:
    """Refuse a date after today: nothing is reported or paid ahead of time."""
    from flask_babel import lazy_gettext

    from app.common.errors import ValidationError

    if day is not None and day > today():
        raise ValidationError(field_name, lazy_gettext("datumet ligger efter i dag (%(today)s)",
                                                       today=today().isoformat()))


def period_has_ended(last_day: date) -> bool:
    """A period may be approved or closed only after its last day."""
    return last_day < today()
