"""Working days skip weekends and Swedish public holidays."""
from datetime import date

from app.common.workdays import add_working_days, is_working_day, working_days_between


def test_christmas_and_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))  # juldagen
    assert not is_working_day(date(2026, 12, 26))
    assert not is_working_day(date(2026, 12, 5))  # a Saturday
    assert is_working_day(date(2026, 12, 1))


def test_five_working_days_after_a_thursday_before_christmas_skip_the_holidays():
    # Tue 22 Dec + 5: 23, 24, 28, 29, 30 (25 Dec is Friday, 26 Dec Saturday)
    assert add_working_days(date(2026, 12, 22), 5) == date(2026, 12, 30)
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)  # Easter


def test_working_days_between_counts_after_the_first_day():
    assert working_days_between(date(2026, 12, 1), date(2026, 12, 4)) == 3
    assert working_days_between(date(2026, 12, 4), date(2026, 12, 1)) == 0
