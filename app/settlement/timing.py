"""When a period may be settled: approving and closing wait until its last day has passed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.common import clock
from app.common.errors import ValidationError
from app.settlement import rules


def is_preliminary(period: str) -> bool:
    """A draft of a period that has not ended is a preview (its last day is today or later)."""
    _first, last = rules.period_bounds(period)
    return not clock.period_has_ended(last)


def check_period_ended(period: str, action: str = "godkännas") -> None:
    """Refuse approving or closing a period before its last day has passed."""
    if is_preliminary(period):
        _first, last = rules.period_bounds(period)
        values = {"period": period, "first": f"{rules.next_period(period)}-01", "last": last.isoformat()}
        if action == "stängas":
            raise ValidationError("period", _l("%(period)s har inte tagit slut: månaden kan stängas tidigast "
                                               "%(first)s (sista dagen är %(last)s)", **values))
        raise ValidationError("period", _l("%(period)s har inte tagit slut: månaden kan godkännas tidigast "
                                           "%(first)s (sista dagen är %(last)s)", **values))
