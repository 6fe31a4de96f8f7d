"""Numbers and dates typed by people have bounds; NaN, infinity and 1e400 are refused, not a 500."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.common.dates import BadDate, parse_date
from app.common.money import OutOfBounds, money, parse_hours, parse_money, parse_weekly_cap
from app.providers.documents import clean_filename

NOT_NUMBERS = ["NaN", "nan", "sNaN", "Infinity", "-inf", "1e400", "-1e400", "9" * 400, "", "tio", "1,2,3"]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_money_refuses_what_is_not_a_finite_amount(text):
    with pytest.raises(OutOfBounds):
        parse_money(text)


def test_money_is_at_most_ten_million_and_typed_the_swedish_way():
    assert parse_money("10 000 000,00") == Decimal("10000000.00")
    assert parse_money("-5,50", allow_negative=True) == Decimal("-5.50")
    for text in ("10000000.01", "-1", "1.005"):
        with pytest.raises(OutOfBounds):
            parse_money(text)


def test_money_constructor_refuses_1e400_with_a_value_error():
    with pytest.raises(ValueError):
        money("1e400")


def test_hours_of_a_day_are_0_to_24_and_a_weekly_cap_at_most_168():
    assert parse_hours("24") == Decimal("24.00")
    assert parse_hours("7,25", step=Decimal("0.25")) == Decimal("7.25")
    assert parse_weekly_cap("168") == Decimal("168.00")
    assert parse_weekly_cap("") is None
    for parse, text in ((parse_hours, "24.25"), (parse_hours, "NaN"), (parse_weekly_cap, "168.5"),
                        (parse_weekly_cap, "0"), (parse_weekly_cap, "NaN"), (parse_weekly_cap, "1e400")):
        with pytest.raises(OutOfBounds):
            parse(text)


@pytest.mark.parametrize("text", ["2026-02-30", "9999-12-31", "1899-12-31", "2101-01-01", "26-1-1", "", None])
def test_dates_must_exist_and_lie_within_1900_to_2100(text):
    with pytest.raises(BadDate):
        parse_date(text)


def test_dates_at_the_bounds_are_accepted():
    assert parse_date("1900-01-01") == date(1900, 1, 1)
    assert parse_date("2100-12-31") == date(2100, 12, 31)


def test_control_characters_are_removed_from_uploaded_file_names():
    assert clean_filename("intyg\x00.pdf") == "intyg.pdf"
    assert clean_filename("..\\..\\C:\\intyg\x1b[31m.pdf") == "intyg[31m.pdf"
    assert clean_filename("a/b/\u202eintyg.pdf") == "intyg.pdf"
    assert len(clean_filename("x" * 500 + ".pdf")) == 200
