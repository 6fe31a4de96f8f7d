"""Locale and formatting: Swedish by default, English selectable; money as `1 234,50 kr`."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask import current_app, has_request_context, session
from flask_babel import format_date, get_locale


def select_locale() -> str:
    if not has_request_context():  # jobs and the CLI write in the source language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _locale() -> str:
    try:
        return str(get_locale() or "sv")
    except (RuntimeError, AttributeError):
        return "sv"


def fmt_money(amount: Decimal | None, locale: str | None = None) -> str:
    """`1 234,50 kr` in Swedish; the same amount in SEK in English."""
    if amount is None:
        return ""
    loc = locale or _locale()
    if loc.startswith("sv"):
        return format_currency(amount, "SEK", format="#,##0.00\u00a0¤", locale="sv_SE",
                               currency_digits=False).replace("SEK", "kr")
    return format_currency(amount, "SEK", locale="en_GB", currency_digits=False)


def fmt_number(value: Decimal | int | None, decimals: int = 2, locale: str | None = None) -> str:
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=(locale or _locale()).replace("sv", "sv_SE"))


def fmt_date(value: date | datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    if fmt == "iso":
        return value.isoformat()
    return format_date(value, "yyyy-MM-dd" if fmt == "short" else fmt)


def language_switch_target() -> str:
    return "en" if _locale().startswith("sv") else "sv"

