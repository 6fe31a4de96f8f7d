"""Offering forms: the offering itself and a new price from a date."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.common.forms import DateField, IntegerField
from app.common.labels import LABELS
from app.common.languages import DESCRIPTION_LANGUAGES

REQUIRED = _l("Fyll i fältet.")
VAT_CHOICES = [("0", "0 %"), ("6", "6 %"), ("12", "12 %"), ("25", "25 %")]


class OfferingForm(FlaskForm):
    service_type = SelectField(_l("Insatstyp"), choices=list(LABELS["service_type"].items()))
    title = StringField(_l("Rubrik"), validators=[DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("Beskrivning"), validators=[Optional(), Length(max=5000)])
    rate_unit = SelectField(_l("Ersättningsform"), choices=list(LABELS["rate_unit"].items()))
    rate = StringField(_l("Ersättning i kronor (exkl. moms)"), validators=[DataRequired(REQUIRED)])
    rate_a = StringField(_l("Ersättning för nivå A (nära arbete)"), validators=[Optional()])
    rate_b = StringField(_l("Ersättning för nivå B (en bit från arbete)"), validators=[Optional()])
    rate_c = StringField(_l("Ersättning för nivå C (långt från arbete)"), validators=[Optional()])
    vat_rate = SelectField(_l("Momssats"), choices=VAT_CHOICES, default="0")
    start_share = IntegerField(_l("Startdel av paketpriset, procent"), default=50,
                               validators=[Optional(), NumberRange(0, 100, _l("Ange 0–100."))])
    capacity = IntegerField(_l("Antal platser"), default=0,
                            validators=[Optional(), NumberRange(0, 10000, _l("Ange 0–10 000."))])
    area = StringField(_l("Område"), validators=[Optional(), Length(max=100)])
    address = StringField(_l("Adress där insatsen ges"), validators=[Optional(), Length(max=200)])
    languages = StringField(_l("Språk (kommaseparerade, t.ex. sv, ar, en)"),
                            validators=[Optional(), Length(max=200)])
    target_groups = TextAreaField(_l("Målgrupper"), validators=[Optional(), Length(max=2000)])
    available_from = DateField(_l("Tillgänglig från"), validators=[Optional()])
    available_to = DateField(_l("Tillgänglig till"), validators=[Optional()])


# The description in each client language other than Swedish: description_ar, description_ti, ...
for _language in DESCRIPTION_LANGUAGES:
    setattr(OfferingForm, f"description_{_language.code}", TextAreaField(
        _l("På %(language)s", language=_language.native_name),
        validators=[Optional(), Length(max=5000)]))


def descriptions_of(form) -> dict:
    """The description fields in other languages, as the service takes them."""
    return {lang.code: getattr(form, f"description_{lang.code}").data or "" for lang in DESCRIPTION_LANGUAGES}


def level_rates_of(form) -> dict:
    """The level rate fields of an offering or new price form, as the service takes them."""
    return {level: getattr(form, f"rate_{level.lower()}").data or "" for level in ("A", "B", "C")}


class NewPriceForm(FlaskForm):
    from_date = DateField(_l("Nytt pris gäller från"), validators=[DataRequired(REQUIRED)])
    rate = StringField(_l("Ny ersättning i kronor (exkl. moms)"), validators=[DataRequired(REQUIRED)])
    rate_a = StringField(_l("Ny ersättning för nivå A"), validators=[Optional()])
    rate_b = StringField(_l("Ny ersättning för nivå B"), validators=[Optional()])
    rate_c = StringField(_l("Ny ersättning för nivå C"), validators=[Optional()])
    vat_rate = SelectField(_l("Momssats"), choices=VAT_CHOICES)
    start_share = IntegerField(_l("Startdel av paketpriset, procent"), default=50,
                               validators=[Optional(), NumberRange(0, 100, _l("Ange 0–100."))])
