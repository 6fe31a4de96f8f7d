"""Forms for case workers, clients and the admin's no-choice alternative."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from app.common.forms import DateField, WeeklyCapField
from app.common.labels import LABELS

SERVICE_TYPE_CHOICES = [("arbetsprovning", _l("Arbetsprövning")), ("arbetstraning", _l("Arbetsträning")),
                        ("praktik", _l("Praktik")), ("utredning", _l("Utredning av arbetsförmåga"))]
LANGUAGE_CHOICES = [("sv", "Svenska"), ("en", "English"), ("ar", "العربية (arabiska)"),
                    ("so", "Soomaali (somaliska)"), ("ti", "ትግርኛ (tigrinja)"), ("fa", "فارسی (persiska)"),
                    ("prs", "دری (dari)"), ("uk", "Українська (ukrainska)"), ("ru", "Русский (ryska)"),
                    ("es", "Español (spanska)"), ("fr", "Français (franska)"), ("de", "Deutsch (tyska)"),
                    ("tr", "Türkçe (turkiska)"), ("pl", "Polski (polska)"), ("ku", "Kurdî (kurdiska)")]
END_REASON_CHOICES = [("completed", _l("Genomförd")), ("result", _l("Resultat (arbete eller studier)")),
                      ("interrupted", _l("Avbruten"))]


class ClientForm(FlaskForm):
    personal_id = StringField(_l("Personnummer eller samordningsnummer"),
                              validators=[DataRequired(_l("Fyll i personnumret."))])
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Fyll i namnet.")), Length(max=200)])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-post"), validators=[Optional(), Email(_l("Skriv en giltig e-postadress.")),
                                                 Length(max=200)])
    language = SelectField(_l("Språk deltagaren helst använder"), choices=LANGUAGE_CHOICES, default="sv")
    needs_interpreter = BooleanField(_l("Behöver tolk"))
    # Choices are the areas offerings are in; set by the view.
    area = SelectField(_l("Område där deltagaren bor"), choices=[("", _l("Vet inte"))], default="",
                       validate_choice=False)
    newly_arrived = BooleanField(_l("Nyanländ"))
    children_in_household = BooleanField(_l("Barn i hushållet (prioriteras)"))


class EditClientForm(ClientForm):
    """The same fields without the personnummer, which does not change."""

    personal_id = None


class CaseSearchForm(FlaskForm):
    q = StringField(_l("Sök på namn eller personnummer"), validators=[Optional(), Length(max=100)])


class FindClientForm(FlaskForm):
    personal_id = StringField(_l("Sök på personnummer"), validators=[DataRequired(_l("Fyll i personnumret."))])


class ReferralForm(FlaskForm):
    service_type = SelectField(_l("Insatstyp"), choices=SERVICE_TYPE_CHOICES)
    valid_from = DateField(_l("Gäller från"), validators=[DataRequired(_l("Fyll i ett datum."))])
    valid_to = DateField(_l("Gäller till"), validators=[DataRequired(_l("Fyll i ett datum."))])
    max_hours_per_week = WeeklyCapField(_l("Högst timmar per vecka"), validators=[Optional()])
    choice_deadline = DateField(_l("Sista dag att välja"), validators=[Optional()])


LEVEL_CHOICES = [("", _l("Samma som förslaget"))] + [(level, LABELS["level"][level]) for level in ("A", "B", "C")]



def referral_form_class(settings):
    """The decision form with one radio group per assessment question (the questions are settings)."""
    fields = {}
    for question in settings.questions:
        fields[f"q_{question.key}"] = RadioField(
            question.text, choices=[(o.key, o.text) for o in question.options], validators=[Optional()],
            validate_choice=False)
    fields["level"] = SelectField(_l("Nivå"), choices=LEVEL_CHOICES, default="")
    fields["level_reason"] = TextAreaField(_l("Skäl till annan nivå än förslaget"),
                                           validators=[Optional(), Length(max=500)])
    return type("AssessedReferralForm", (ReferralForm,), fields)

class CorrectReferralForm(FlaskForm):
    valid_from = DateField(_l("Gäller från"), validators=[DataRequired(_l("Fyll i ett datum."))])
    valid_to = DateField(_l("Gäller till"), validators=[DataRequired(_l("Fyll i ett datum."))])
    max_hours_per_week = WeeklyCapField(_l("Högst timmar per vecka"), validators=[Optional()])
    choice_deadline = DateField(_l("Sista dag att välja"), validators=[Optional()])
    reason = TextAreaField(_l("Varför ändras beslutet?"), validators=[DataRequired(_l("Skriv ett skäl.")),
                                                                      Length(max=500)])


class WithdrawReferralForm(FlaskForm):
    reason = TextAreaField(_l("Varför återkallas beslutet?"), validators=[DataRequired(_l("Skriv ett skäl.")),
                                                                          Length(max=500)])


class ChooseForm(FlaskForm):
    offering_id = HiddenField(validators=[DataRequired()])
    # Only when switching: the first day with the new provider.
    start_date = DateField(_l("Första dag hos den nya anordnaren"), validators=[Optional()])


class OfferingPickForm(FlaskForm):
    offering_id = SelectField(_l("Tjänst"), coerce=int, choices=[])
    start_date = DateField(_l("Startdatum"), validators=[Optional()])


class EndPlacementForm(FlaskForm):
    end_reason = SelectField(_l("Varför slutar placeringen?"), choices=END_REASON_CHOICES)
    ended_on = DateField(_l("Sista dag"), validators=[DataRequired(_l("Fyll i ett datum."))])


class OutcomeDecisionForm(FlaskForm):
    reason = TextAreaField(_l("Skäl (krävs om du avvisar)"), validators=[Optional(), Length(max=500)])


class CodeForm(FlaskForm):
    code = StringField(_l("Din kod"), validators=[DataRequired(_l("Skriv koden du fick av din handläggare.")),
                                                  Length(max=20)])


class DefaultChoiceForm(FlaskForm):
    mode = SelectField(_l("Hur väljs ickevalsalternativet?"), choices=[
        ("offering", _l("En bestämd tjänst")), ("nearest", _l("Närmast (samma område)")),
        ("random", _l("Slumpvis bland tjänster med lediga platser"))])
    offering_id = SelectField(_l("Tjänst"), coerce=int, choices=[], validate_choice=False)


class AccessLogSearchForm(FlaskForm):
    personal_id = StringField(_l("Deltagarens personnummer"), validators=[Optional()])
    user_email = StringField(_l("Användarens e-postadress"), validators=[Optional()])
    since = DateField(_l("Från"), validators=[Optional()])
    until = DateField(_l("Till"), validators=[Optional()])


class PayrollUploadForm(FlaskForm):
    file = FileField(_l("Fil med lönedata (CSV)"))


class DisputeForm(FlaskForm):
    comment = TextAreaField(_l("Kommentar (frivilligt)"), validators=[Optional(), Length(max=300)])


class FirstMeetingForm(FlaskForm):
    first_meeting_on = DateField(_l("Dag"), validators=[DataRequired(_l("Fyll i ett datum."))])
    first_meeting_time = TimeField(_l("Tid"), validators=[DataRequired(_l("Fyll i en tid."))])
    first_meeting_place = StringField(_l("Plats"), validators=[DataRequired(_l("Fyll i var ni ses.")),
                                                               Length(max=200)])
