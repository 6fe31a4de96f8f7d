"""Locale and formatting: Swedish by default; clients choose among eight languages, staff sv/en."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from babel.support import Translations
from flask import current_app, has_request_context, request, session
from flask_babel import Babel, Domain, format_date, get_locale
from flask_login import current_user

from app.common import client_language
from app.common.languages import (
    CLIENT_LANGUAGES,
    DEFAULT_LANGUAGE,
    STAFF_LANGUAGES,
    PageLanguage,
    page_language,
)


def client_page() -> bool:
    """Client pages and what anyone not signed in as staff sees outside the staff sign-in pages."""
    if current_user.is_authenticated:
        return bool(current_user.role == "client")
    return request.blueprint == "deltagare" or request.endpoint is None


def current_page_language() -> PageLanguage:
    """The language this request's page is shown in (cached for the request)."""
    if not has_request_context():
        return page_language(DEFAULT_LANGUAGE)
    # Cached on the request, not on `g`: a test's app context may outlive many requests.
    cached: PageLanguage | None = getattr(request, "kundval_page_language", None)
    if cached is not None:
        return cached
    chosen = session.get("lang")
    if request.path.startswith("/api/"):  # a program's request: the language its header asks for
        code = request.accept_languages.best_match(STAFF_LANGUAGES) or DEFAULT_LANGUAGE
    elif client_page():
        if chosen not in CLIENT_LANGUAGES and current_user.is_authenticated:
            chosen = client_language.recorded_choice(current_user)
        code = chosen if chosen in CLIENT_LANGUAGES else DEFAULT_LANGUAGE
    else:
        code = chosen if chosen in STAFF_LANGUAGES else DEFAULT_LANGUAGE
    language = page_language(code)
    request.kundval_page_language = language  # type: ignore[attr-defined]
    return language


def select_locale() -> str:
    return current_page_language().locale


def select_timezone() -> str:
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])


class CatalogDomain(Domain):  # type: ignore[misc]  # Flask-Babel ships no type hints
    """Loads the catalog of the page language, which for lättläst is not the formatting locale."""

    def get_translations(self) -> Translations:
        if not has_request_context():
            translations: Translations = super().get_translations()
            return translations
        code = current_page_language().code
        key = (code, self.domain[0])
        if key not in self.cache:
            loaded = Translations()
            for dirname in self.translation_directories:
                loaded.merge(Translations.load(dirname, [code], self.domain[0]))  # type: ignore[arg-type]
            self.cache[key] = loaded
        cached: Translations = self.cache[key]
        return cached


class KundvalBabel(Babel):  # type: ignore[misc]
    @property
    def domain_instance(self) -> CatalogDomain:
        """One domain (and so one cache of loaded catalogs) per app."""
        extensions = current_app.extensions
        if "kundval_catalogs" not in extensions:
            extensions["kundval_catalogs"] = CatalogDomain(domain=self.domain)
        domain: CatalogDomain = extensions["kundval_catalogs"]
        return domain


def current_locale() -> str:
    """The page's locale as a name ("sv", "en"...), also for a caller that formats many values at once."""
    try:
        return str(get_locale() or "sv")
    except (RuntimeError, AttributeError):
        return "sv"


@lru_cache(maxsize=64)
def _money_format(locale: str) -> tuple[Locale, NumberPattern]:
    """The locale and the parsed pattern of amounts in SEK, once per locale: Babel's format_currency
    parses both on every call, which was most of the time of a page of figures."""
    if locale.startswith("sv"):
        return Locale.parse("sv_SE"), parse_pattern("#,##0.00\u00a0¤")
    parsed = Locale.parse("en_GB" if locale == "en" else locale)
    return parsed, parsed.currency_formats["standard"]


@lru_cache(maxsize=64)
def _number_format(locale: str, decimals: int) -> tuple[Locale, NumberPattern]:
    """As _money_format, for plain numbers with `decimals` decimals."""
    return (Locale.parse(locale.replace("sv", "sv_SE")),
            parse_pattern("#,##0" + ("." + "0" * decimals if decimals else "")))


def fmt_money(amount: Decimal | None, locale: str | None = None) -> str:
    """`1 234,50 kr` in Swedish; the same amount in SEK as the page's locale writes it."""
    if amount is None:
        return ""
    return _formatted_money(str(amount), locale or current_locale())


@lru_cache(maxsize=16384)
def _formatted_money(amount: str, loc: str) -> str:
    """Keyed by the amount's text (0 and -0.00 are written differently), as _formatted_number: a
    finance page writes a few hundred amounts, the same ones each time it is shown."""
    parsed, pattern = _money_format(loc)
    text: str = pattern.apply(Decimal(amount), parsed, currency="SEK", currency_digits=False)
    return text.replace("SEK", "kr") if loc.startswith("sv") else text


def fmt_number(value: Decimal | int | None, decimals: int = 2, locale: str | None = None) -> str:
    if value is None:
        return ""
    # Keyed by the text: 0 and -0 are equal but written differently.
    return _formatted_number(str(value), decimals, locale or current_locale())


@lru_cache(maxsize=8192)
def _formatted_number(value: str, decimals: int, locale: str) -> str:
    """A page of figures writes the same few numbers thousands of times (counts, zeros)."""
    parsed, pattern = _number_format(locale, decimals)
    text: str = pattern.apply(Decimal(value), parsed)
    return text


def fmt_date(value: date | datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    if fmt == "iso":
        return value.isoformat()
    return str(format_date(value, "yyyy-MM-dd" if fmt == "short" else fmt))


def language_switch_target() -> str:
    return "en" if current_locale().startswith("sv") else "sv"

