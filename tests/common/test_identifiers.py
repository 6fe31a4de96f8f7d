"""Swedish identifiers are validated and stored in one normalised form each."""
from __future__ import annotations

from datetime import date

import pytest

from app.common.errors import ValidationError
from app.common.identifiers import (
    birth_date_of,
    gender_of,
    mask_personal_id,
    normalize_bankgiro,
    normalize_org_nr,
    normalize_personal_id,
    normalize_plusgiro,
    normalize_vat_number,
)

SAMORDNINGSNUMMER = "20040963-7782"


@pytest.mark.parametrize("value", ["556677-8899", "5566778899", " 556677 8899 "])
def test_org_nr_is_stored_with_a_hyphen(value):
    assert normalize_org_nr(value) == "556677-8899"


@pytest.mark.parametrize("value", ["556677-8898", "55667A-8899", "", "556677-889", None])
def test_invalid_org_nr_is_refused_naming_the_field(value):
    with pytest.raises(ValidationError) as caught:
        normalize_org_nr(value, "provider.org_nr")
    assert caught.value.field == "provider.org_nr"


@pytest.mark.parametrize("value", [
    "20040963-7782", "200409637782", "040963-7782", "0409637782",
])
def test_personal_id_in_12_or_10_digit_form_is_stored_as_12_digits(value):
    assert normalize_personal_id(value) == SAMORDNINGSNUMMER


def test_plus_sign_marks_a_person_over_a_hundred():
    assert normalize_personal_id("040963+7782") == "19040963-7782"


def test_personnummer_is_accepted():
    assert normalize_personal_id("198503159645") == "19850315-9645"


def test_samordningsnummer_birth_date_has_60_taken_off_the_day():
    assert birth_date_of(SAMORDNINGSNUMMER) == date(2004, 9, 3)
    assert birth_date_of("19850315-9645") == date(1985, 3, 15)


@pytest.mark.parametrize("value", [
    "20040963-7783",  # wrong check digit
    "20041363-7782",  # month 13
    "0409637",
    "abcdefgh-ijkl",
    "",
])
def test_invalid_personal_id_is_refused_without_repeating_the_number(value):
    with pytest.raises(ValidationError) as caught:
        normalize_personal_id(value, "client.personal_id")
    error = caught.value
    assert error.field == "client.personal_id"
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits:
        assert digits not in "".join(ch for ch in str(error) if ch.isdigit())
    assert error.__cause__ is None and error.__suppress_context__


def test_gender_comes_from_the_second_to_last_digit():
    assert gender_of(SAMORDNINGSNUMMER) == "F"
    assert gender_of("19920826-4177") == "M"


def test_mask_shows_the_birth_date_but_never_the_last_four_digits():
    assert mask_personal_id("19850315-9645") == "19850315-****"


@pytest.mark.parametrize("value, expected", [
    ("5050-1055", "5050-1055"), ("50501055", "5050-1055"), ("991-2346", "991-2346"),
])
def test_valid_bankgiro_is_stored_with_a_hyphen_before_the_last_four(value, expected):
    assert normalize_bankgiro(value) == expected


@pytest.mark.parametrize("value", ["5050-1056", "123456", "123456789", ""])
def test_bankgiro_with_wrong_check_digit_or_length_is_refused(value):
    with pytest.raises(ValidationError) as caught:
        normalize_bankgiro(value, "provider.bankgiro")
    assert caught.value.field == "provider.bankgiro"


@pytest.mark.parametrize("value, expected", [("90 20 03-3", "902003-3"), ("9020033", "902003-3")])
def test_valid_plusgiro_is_stored_with_a_hyphen_before_the_check_digit(value, expected):
    assert normalize_plusgiro(value) == expected


@pytest.mark.parametrize("value", ["902003-4", "1", "123456789", ""])
def test_plusgiro_with_wrong_check_digit_or_length_is_refused(value):
    with pytest.raises(ValidationError):
        normalize_plusgiro(value)


@pytest.mark.parametrize("value", ["SE556677889901", "556677889901", "se 5566 7788 9901"])
def test_vat_number_is_stored_as_se_and_twelve_digits(value):
    assert normalize_vat_number(value) == "SE556677889901"


@pytest.mark.parametrize("value", ["SE556677889801", "SE5566778899", "DE556677889901", ""])
def test_invalid_vat_number_is_refused(value):
    with pytest.raises(ValidationError) as caught:
        normalize_vat_number(value, "provider.vat_number")
    assert caught.value.field == "provider.vat_number"
