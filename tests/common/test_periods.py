"""The one period type (app.common.periods): months, their bounds and neighbours, ISO weeks."""
from __future__ import annotations

from datetime import date

import pytest

from app.common import periods
from app.common.errors import ValidationError
from app.common.periods import Month


def test_a_period_is_yyyy_mm_with_its_first_and_last_day():
    assert periods.period_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert periods.period_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert str(Month.parse("2026-03")) == "2026-03" == periods.period_of(date(2026, 3, 31))


def test_next_and_previous_cross_the_year():
    assert periods.next_period("2026-12") == "2027-01"
    assert periods.previous_period("2026-01") == "2025-12"
    assert Month.parse("2026-05").next().previous() == Month(2026, 5)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-3", "26-03", "", "2026-03-01",
                                  "1899-12", "2101-01"])
def test_anything_else_is_refused_naming_the_field(text):
    with pytest.raises(ValueError):
        Month.parse(text)
    with pytest.raises(ValidationError) as error:
        periods.check_period(text, "first")
    assert error.value.field == "first"


def test_years_from_1900_to_2100_are_periods_everywhere():
    # The attendance grid used to refuse years before 2000; imported history may be older.
    from app.reporting.grid import month_bounds

    assert month_bounds("1900-01") == (date(1900, 1, 1), date(1900, 1, 31))
    assert periods.check_period("2100-12") == "2100-12"


def test_an_iso_week_belongs_to_the_month_of_its_thursday():
    assert periods.week_period(date(2026, 3, 30)) == "2026-04"  # Monday; Thursday is 2 April
    assert periods.week_monday(date(2026, 4, 5)) == date(2026, 3, 30)
    assert periods.iso_week_range(date(2026, 4, 1), date(2026, 4, 30)) == (
        date(2026, 3, 30), date(2026, 5, 3))
