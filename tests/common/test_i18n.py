"""Swedish is the source language; the English catalog is complete; money reads as Swedes write it."""
from __future__ import annotations

from decimal import Decimal

import pytest
from babel.messages.pofile import read_po

from app.common.i18n import fmt_money
from tests.common.conftest import TRANSLATIONS

EN_CATALOG = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def _normalise_spaces(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_english_catalog_has_a_translation_for_every_message():
    with EN_CATALOG.open("rb") as f:
        catalog = read_po(f, locale="en")
    untranslated = []
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            untranslated.append(message.id)
    assert untranslated == [], "translate these in messages.po (make translations-update)"


def test_english_catalog_keeps_the_placeholders_of_each_message():
    with EN_CATALOG.open("rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if message.id and message.python_format:
            assert not list(message.check(catalog)), message.id


def test_login_page_is_swedish_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Logga in" in page
    assert '<html lang="sv">' in page


def test_login_page_in_english_after_choosing_the_language(client):
    response = client.get("/sprak/en?next=/login")
    assert response.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert "<h1>Sign in</h1>" in page
    assert "Email address" in page
    assert '<html lang="en">' in page


def test_switching_back_to_swedish(client):
    client.get("/sprak/en")
    client.get("/sprak/sv")
    assert "Logga in" in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(("amount", "locale", "expected"), [
    ("1234.5", "sv", "1 234,50 kr"),
    ("0", "sv", "0,00 kr"),
    ("-1234567.891", "sv", "−1 234 567,89 kr"),
    ("1234.5", "en", "SEK1,234.50"),  # CLDR's en_GB pattern for a foreign currency
])
def test_money_is_formatted_for_the_locale(amount, locale, expected):
    formatted = _normalise_spaces(fmt_money(Decimal(amount), locale))
    # Babel writes a minus sign (U+2212) in Swedish; accept either form.
    assert formatted.replace("\u2212", "-") == expected.replace("\u2212", "-")


def test_no_amount_is_an_empty_string():
    assert fmt_money(None, "sv") == ""


def test_numbers_are_written_as_babel_writes_them_whatever_was_written_before():
    """fmt_number keeps each text it made: 0 and -0 are equal numbers but not the same text, and
    the same value in two languages or with other decimals is written anew."""
    from babel.numbers import format_decimal

    from app.common.i18n import fmt_number

    for value in (Decimal("0"), Decimal("-0"), 0, Decimal("1234.5"), Decimal("1234.50"), -7):
        for locale, babel_locale in (("sv", "sv_SE"), ("en", "en"), ("ar", "ar"), ("fa", "fa")):
            for decimals in (0, 1, 2):
                pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
                assert fmt_number(value, decimals, locale) == format_decimal(
                    value, format=pattern, locale=babel_locale), (value, locale, decimals)
    assert fmt_number(Decimal("-0"), 0, "sv") == "-0" and fmt_number(Decimal("0"), 0, "sv") == "0"


def test_amounts_are_written_as_babel_writes_them_whatever_was_written_before():
    """fmt_money keeps each text it made, keyed by the amount's text and the locale: the same
    amount is written anew in another language, and 0.00 and -0.00 keep their own texts."""
    from babel.numbers import format_currency

    from app.common.i18n import fmt_money

    for _twice in range(2):
        for amount in (Decimal("0.00"), Decimal("-0.00"), Decimal("1234.5"), Decimal("-98765.43"), 12):
            assert fmt_money(amount, "sv") == format_currency(
                amount, "SEK", format="#,##0.00\u00a0¤", locale="sv_SE", currency_digits=False).replace("SEK", "kr")
            for locale in ("en", "ar", "uk"):
                expected = format_currency(amount, "SEK", locale="en_GB" if locale == "en" else locale,
                                           currency_digits=False)
                assert fmt_money(amount, locale) == expected, (amount, locale)
    assert fmt_money(Decimal("1234.5"), "sv") == "1\u00a0234,50\u00a0kr" and fmt_money(None) == ""
