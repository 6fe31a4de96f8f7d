"""Swedish identifiers: organisationsnummer, personnummer/samordningsnummer, bankgiro, plusgiro.

Validation comes from well-kept libraries (python-stdnum, personnummer); only the
normalised formats we store are decided here.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from personnummer import personnummer as pnr_lib
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr as stdnum_orgnr

from app.common.errors import ValidationError


def normalize_org_nr(value: str, field: str = "org_nr") -> str:
    """Return NNNNNN-NNNN or raise ValidationError."""
    try:
        compact = stdnum_orgnr.validate(str(value or ""))
    except StdnumError:
        raise ValidationError(field, _l("ogiltigt organisationsnummer")) from None
    return f"{compact[:6]}-{compact[6:]}"


def normalize_personal_id(value: str, field: str = "personal_id") -> str:
    """Return YYYYMMDD-NNNN for a valid personnummer or samordningsnummer (never echoes it)."""
    text = str(value or "").strip()
    try:
        parsed = pnr_lib.Personnummer(text)
    except (pnr_lib.PersonnummerException, ValueError, TypeError):
        raise ValidationError(field, _l("ogiltigt personnummer eller samordningsnummer")) from None
    digits = str(parsed.format(True))
    return digits[:8] + "-" + digits[8:]


def birth_date_of(personal_id: str) -> date:
    """Birth date of a normalised id; samordningsnummer have 60 added to the day."""
    digits = personal_id.replace("-", "")
    day = int(digits[6:8])
    if day > 60:
        day -= 60
    return date(int(digits[:4]), int(digits[4:6]), day)


def gender_of(personal_id: str) -> str:
    """'F' or 'M' from the second-to-last digit, as the Tax Agency assigns it."""
    return "F" if int(personal_id[-2]) % 2 == 0 else "M"


def mask_personal_id(personal_id: str) -> str:
    """Shown in lists: the birth date, never the last four digits."""
    return personal_id[:8] + "-****"


def normalize_bankgiro(value: str, field: str = "bankgiro") -> str:
    """Bankgiro: 7 or 8 digits with a Luhn check digit, shown NNN-NNNN or NNNN-NNNN."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) not in (7, 8) or not luhn.is_valid(digits):
        raise ValidationError(field, _l("ogiltigt bankgironummer"))
    return f"{digits[:-4]}-{digits[-4:]}"


def normalize_plusgiro(value: str, field: str = "plusgiro") -> str:
    """Plusgiro: 2 to 8 digits with a Luhn check digit, shown N...N-N."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if not 2 <= len(digits) <= 8 or not luhn.is_valid(digits):
        raise ValidationError(field, _l("ogiltigt plusgironummer"))
    return f"{digits[:-1]}-{digits[-1]}"


def normalize_vat_number(value: str, field: str = "vat_number") -> str:
    """Swedish VAT number SE + 10 digits of the org number + 01."""
    from stdnum.se import vat as stdnum_vat

    try:
        compact = stdnum_vat.validate(str(value or ""))
    except StdnumError:
        raise ValidationError(field, _l("ogiltigt momsregistreringsnummer (SE + 12 siffror)")) from None
    return compact if compact.startswith("SE") else "SE" + compact
