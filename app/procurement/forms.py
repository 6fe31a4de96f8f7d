"""Forms of procurement: a version of the conditions, publishing it, a provider's kind."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.common.labels import LABELS

REQUIRED = _l("Fyll i fältet.")
SERVICE_TYPE_CHOICES = [(k, v) for k, v in LABELS["service_type"].items()]
PRICE_RULE_CHOICES = [(k, v) for k, v in LABELS["price_rule"].items()]
PRICE_UNIT_CHOICES = [("", _l("Ingen (fri prissättning)"))] + [
    (k, v) for k, v in LABELS["rate_unit"].items()]
KIND_CHOICES = [(k, v) for k, v in LABELS["provider_kind"].items()]


class ConditionsForm(FlaskForm):
    service_type = SelectField(_l("Insatstyp"), choices=SERVICE_TYPE_CHOICES)
    title = StringField(_l("Rubrik"), validators=[DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("Vad tjänsten är"), validators=[Optional(), Length(max=20000)])
    req_documents = TextAreaField(_l("Krav: dokument och intyg"), validators=[Optional(), Length(max=5000)])
    req_insurance = TextAreaField(_l("Krav: försäkring"), validators=[Optional(), Length(max=5000)])
    req_staff = TextAreaField(_l("Krav: personalens kompetens"), validators=[Optional(), Length(max=5000)])
    req_languages = TextAreaField(_l("Krav: språk"), validators=[Optional(), Length(max=5000)])
    compensation = TextAreaField(_l("Ersättningsmodell"), validators=[Optional(), Length(max=5000)])
    contract_months = IntegerField(_l("Avtalstid i månader"), default=24, validators=[Optional()])
    price_rule = SelectField(_l("Prisregel"), choices=PRICE_RULE_CHOICES)
    price_unit = SelectField(_l("Ersättningsform för priset"), choices=PRICE_UNIT_CHOICES)
    price_amount = StringField(_l("Belopp i kronor (fast pris eller takpris, exkl. moms)"),
                               validators=[Optional(), Length(max=20)])
    level_amounts = StringField(_l("Belopp per nivå (till exempel B=140, C=175)"),
                                validators=[Optional(), Length(max=100)])


class PublishForm(FlaskForm):
    accept_by = DateField(_l("Sista dag för avtalade anordnare att godta versionen"),
                          validators=[Optional()])


class KindForm(FlaskForm):
    kind = SelectField(_l("Typ av anordnare"), choices=KIND_CHOICES)
    iop = BooleanField(_l("Idéburet offentligt partnerskap (IOP)"))
