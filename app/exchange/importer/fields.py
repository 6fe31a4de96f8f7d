"""Field parsers of the import file (shared/spec/exchange.md): (value, path) -> clean value.

Each raises ValidationError naming the field (`offerings[0].rate`) when the value is wrong; the
texts are the contract's messages, so they stay as they are when code moves around them.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email

from app.common import identifiers
from app.common.dates import BadDate, in_bounds
from app.common.errors import ValidationError
from app.common.money import MAX_DAY_HOURS, MAX_MONEY, MAX_WEEK_HOURS
from app.kundval.models import LEVELS
from app.offerings.models import VAT_RATES

QUARTER = Decimal("0.25")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

Parser = Callable[[Any, str], Any]


def max_len(model, column: str) -> int | None:
    return getattr(model.__table__.c[column].type, "length", None)


def text(max_len: int | None, required: bool = False) -> Parser:
    def parse(value, path):
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            raise ValidationError(path, "must be a string")
        value = value.strip()
        if required and not value:
            raise ValidationError(path, "must not be empty")
        if max_len is not None and len(value) > max_len:
            raise ValidationError(path, f"must be at most {max_len} characters")
        return value
    return parse


def ref(value, path):
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(path, "must be a non-empty string")
    if len(value) > 64:
        raise ValidationError(path, "must be at most 64 characters")
    return value


def boolean(nullable: bool = False) -> Parser:
    def parse(value, path):
        if value is None and nullable:
            return None
        if not isinstance(value, bool):
            raise ValidationError(path, "must be true or false" + (" or null" if nullable else ""))
        return value
    return parse


def whole(low: int, high: int, nullable: bool = False) -> Parser:
    def parse(value, path):
        if value is None and nullable:
            return None
        # bool is an int in Python but not in JSON; floats are refused like in money.
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError(path, "must be a whole number" + (" or null" if nullable else ""))
        if not low <= value <= high:
            raise ValidationError(path, f"must be between {low} and {high}")
        return value
    return parse


def choice(options: Iterable, nullable: bool = False) -> Parser:
    options = tuple(options)
    expected = ", ".join(str(o) for o in options) + (" or null" if nullable else "")

    def parse(value, path):
        if value is None and nullable:
            return None
        if isinstance(value, bool) or value not in options:
            shown = repr(value)[:40] if isinstance(value, str | int) else "this value"
            raise ValidationError(path, f"unknown value {shown} (expected one of {expected})")
        return value
    return parse


def vat_rate(value, path):
    if isinstance(value, bool) or not isinstance(value, int) or value not in VAT_RATES:
        raise ValidationError(path, "must be one of " + ", ".join(str(v) for v in VAT_RATES))
    return value


def _decimal(value, path, example: str) -> Decimal:
    """A JSON string holding an exact decimal; numbers are refused because floats are not exact."""
    if not isinstance(value, str):
        raise ValidationError(path, f'must be a string, e.g. "{example}"')
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ValidationError(path, f'expected a string like "{example}"') from None
    if not number.is_finite():
        raise ValidationError(path, f'expected a string like "{example}"')
    if number.adjusted() > 12:  # 1e400 can't even be rounded to öre
        raise ValidationError(path, "is too large")
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError(path, "must have at most 2 decimals")
    return number.quantize(Decimal("0.01"))


def money(value, path):
    amount = _decimal(value, path, "120.50")
    if amount < 0:
        raise ValidationError(path, "must not be negative")
    if amount > MAX_MONEY:
        raise ValidationError(path, "is too large")
    return amount


def hours(value, path):
    number = _decimal(value, path, "7.50")
    if number < 0:
        raise ValidationError(path, "must not be negative")
    if number > MAX_DAY_HOURS:
        raise ValidationError(path, "must be at most 24")
    if number % QUARTER:
        raise ValidationError(path, "must be a multiple of 0.25")
    return number


def weekly_cap(value, path):
    if value is None:
        return None
    number = _decimal(value, path, "20")
    if number <= 0:
        raise ValidationError(path, "must be greater than 0 (null means no cap)")
    if number > MAX_WEEK_HOURS:
        raise ValidationError(path, "must be at most 168")
    return number


def calendar_date(nullable: bool = False) -> Parser:
    def parse(value, path):
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
            raise ValidationError(path, "not a date (YYYY-MM-DD)")
        try:
            return in_bounds(date.fromisoformat(value))
        except BadDate as exc:
            raise ValidationError(path, str(exc)) from None
        except ValueError:
            raise ValidationError(path, "no such date") from None
    return parse


def list_of(options: Iterable, nonempty: bool = True) -> Parser:
    check = choice(options)

    def parse(value, path):
        if not isinstance(value, list):
            raise ValidationError(path, "must be a list")
        if nonempty and not value:
            raise ValidationError(path, "must not be empty")
        items = [check(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return list(dict.fromkeys(items))
    return parse


def level_rates(value, path):
    """{"B": "140.00"}: a rate per level, stored with 2-decimal strings; null means none."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(path, 'must be an object like {"B": "140.00"}')
    rates = {}
    for level, rate in value.items():
        if level not in LEVELS:
            raise ValidationError(f"{path}.{str(level)[:20]}",
                                  f"unknown level (expected one of {', '.join(LEVELS)})")
        rates[level] = str(money(rate, f"{path}.{level}"))
    return dict(sorted(rates.items()))


def levels(value, path):
    """A bonus rule's levels, sorted; null or [] means every referral."""
    return [] if value is None else sorted(list_of(LEVELS, nonempty=False)(value, path))


def languages(value, path):
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(path, "must be a list")
    return [text(20, required=True)(item, f"{path}[{i}]") for i, item in enumerate(value)]


def tiers(value, path):
    """Stored ascending by max_days with the amounts as 2-decimal strings."""
    if not isinstance(value, list) or not value:
        raise ValidationError(path, "must be a non-empty list of {max_days, amount}")
    result, seen = [], {}
    for i, tier in enumerate(value):
        tier_path = f"{path}[{i}]"
        if not isinstance(tier, dict):
            raise ValidationError(tier_path, "must be an object {max_days, amount}")
        for name in ("max_days", "amount"):
            if name not in tier:
                raise ValidationError(f"{tier_path}.{name}", "required")
        days = whole(0, 36500)(tier["max_days"], f"{tier_path}.max_days")
        amount = money(tier["amount"], f"{tier_path}.amount")
        if days in seen:
            raise ValidationError(f"{tier_path}.max_days",
                                  f"duplicate max_days {days} (also {path}[{seen[days]}])")
        seen[days] = i
        result.append({"max_days": days, "amount": str(amount)})
    return sorted(result, key=lambda t: t["max_days"])


def org_nr(value, path):
    if not isinstance(value, str):
        raise ValidationError(path, "must be a string")
    try:
        return identifiers.normalize_org_nr(value, path)
    except ValidationError:
        raise ValidationError(path, "invalid organisationsnummer") from None


def personal_id(value, path):
    """Never puts the value in a message: it is a personnummer."""
    if not isinstance(value, str):
        raise ValidationError(path, "must be a string")
    try:
        return identifiers.normalize_personal_id(value, path)
    except ValidationError:
        raise ValidationError(path, "invalid personnummer or samordningsnummer") from None


def identifier(normalize: Callable, what: str) -> Parser:
    def parse(value, path):
        if value is None or value == "":
            return ""
        if not isinstance(value, str):
            raise ValidationError(path, "must be a string")
        try:
            return normalize(value, path)
        except ValidationError:
            raise ValidationError(path, f"invalid {what}") from None
    return parse


def email(value, path):
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise ValidationError(path, "must be a string")
    try:
        address = validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(path, "invalid e-mail address") from None
    if len(address) > 200:
        raise ValidationError(path, "must be at most 200 characters")
    return address


def after_today(today: date) -> str:
    return f"must not be after today ({today.isoformat()}): nothing is reported ahead of time"
