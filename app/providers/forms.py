"""Forms of the provider portal: the application, decisions, colleagues, documents, API tokens."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.common.forms import DateField
from app.common.labels import LABELS

SERVICE_TYPE_CHOICES = [(k, v) for k, v in LABELS["service_type"].items()]
DOCUMENT_LABELS = {
    "f_skatt": _l("F-skattebevis"),
    "registration": _l("Registreringsbevis"),
    "insurance": _l("Försäkringsbevis"),
    "credit_check": _l("Kreditupplysning"),
}
REQUIRED = _l("Fyll i fältet.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ApplicationForm(FlaskForm):
    org_nr = StringField(_l("Organisationsnummer"), validators=[DataRequired(REQUIRED), Length(max=20)])
    name = StringField(_l("Organisationens namn"), validators=[DataRequired(REQUIRED), Length(max=200)])
    contact_name = StringField(_l("Kontaktperson"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-postadress"), validators=[DataRequired(REQUIRED), Length(max=200)])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("Gatuadress"), validators=[DataRequired(REQUIRED), Length(max=200)])
    postal_code = StringField(_l("Postnummer"), validators=[Optional(), Length(max=10)])
    city = StringField(_l("Ort"), validators=[Optional(), Length(max=100)])
    bankgiro = StringField(_l("Bankgiro"), validators=[Optional(), Length(max=12)])
    plusgiro = StringField(_l("Plusgiro"), validators=[Optional(), Length(max=12)])
    f_skatt = BooleanField(_l("Vi är godkända för F-skatt"))
    vat_number = StringField(_l("Momsregistreringsnummer"), validators=[Optional(), Length(max=20)])
    insurance = StringField(_l("Ansvarsförsäkring (bolag och nummer)"),
                            validators=[DataRequired(REQUIRED), Length(max=200)])
    service_types = MultiCheckboxField(_l("Insatstyper ni vill leverera"), choices=SERVICE_TYPE_CHOICES)
    description = TextAreaField(_l("Beskriv verksamheten"), validators=[Optional(), Length(max=5000)])
    kind = SelectField(_l("Typ av organisation"), default="company", choices=[
        (k, v) for k, v in LABELS["provider_kind"].items() if k != "own_unit"])
    iop = BooleanField(_l("Vi har eller söker ett idéburet offentligt partnerskap (IOP) med kommunen"))
    f_skatt_file = FileField(DOCUMENT_LABELS["f_skatt"])
    f_skatt_expires = DateField(_l("F-skattebevis gäller till"), validators=[Optional()])
    registration_file = FileField(DOCUMENT_LABELS["registration"])
    registration_expires = DateField(_l("Registreringsbevis gäller till"), validators=[Optional()])
    insurance_file = FileField(DOCUMENT_LABELS["insurance"])
    insurance_expires = DateField(_l("Försäkringen gäller till"), validators=[Optional()])
    credit_check_file = FileField(DOCUMENT_LABELS["credit_check"])
    credit_check_expires = DateField(_l("Kreditupplysningen gäller till"), validators=[Optional()])


class DecisionForm(FlaskForm):
    action = SelectField(_l("Beslut"), choices=[
        ("approve", _l("Godkänn")), ("reject", _l("Avslå")), ("suspend", _l("Stäng av tillfälligt")),
        ("reinstate", _l("Häv avstängning")), ("terminate", _l("Avsluta avtalet"))])
    reason = TextAreaField(_l("Skäl (krävs vid avslag, avstängning och avslut)"),
                           validators=[Optional(), Length(max=2000)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Kollegans e-postadress"), validators=[DataRequired(REQUIRED), Length(max=200)])


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Ditt namn"), validators=[DataRequired(REQUIRED), Length(max=200)])
    password = PasswordField(_l("Välj ett lösenord (minst 10 tecken)"), validators=[DataRequired(REQUIRED)])


class DocumentForm(FlaskForm):
    kind = SelectField(_l("Dokument"), choices=list(DOCUMENT_LABELS.items()))
    file = FileField(_l("Fil (PDF, JPEG eller PNG, högst 5 MB)"))
    expires_on = DateField(_l("Gäller till"), validators=[DataRequired(REQUIRED)])


class TokenForm(FlaskForm):
    name = StringField(_l("Namn på nyckeln (t.ex. vilket system som använder den)"),
                       validators=[DataRequired(REQUIRED), Length(max=100)])
    valid_days = SelectField(_l("Giltig i"), default="365", choices=[
        ("30", _l("30 dagar")), ("90", _l("90 dagar")), ("365", _l("ett år")), ("730", _l("två år"))])
