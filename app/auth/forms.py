"""Sign-in and user forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.auth.service import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("E-postadress"), validators=[DataRequired(_l("Fyll i din e-postadress.")),
                                                     Email(_l("Ange en giltig e-postadress."))])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Fyll i ditt lösenord."))])


ROLE_CHOICES = [
    ("admin", _l("Administratör")),
    ("case_worker", _l("Handläggare")),
    ("finance", _l("Ekonomi")),
    ("management", _l("Ledning")),
    ("provider", _l("Anordnare")),
    ("client", _l("Deltagare")),
]


class UserForm(FlaskForm):
    email = EmailField(_l("E-postadress"), validators=[DataRequired(), Email(_l("Ange en giltig e-postadress."))])
    name = StringField(_l("Namn"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Roll"), choices=[c for c in ROLE_CHOICES if c[0] != "client"])
    provider_org_nr = StringField(_l("Anordnarens organisationsnummer (bara för anordnare)"),
                                  validators=[Optional(), Length(max=20)])
    password = PasswordField(_l("Lösenord"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH,
                               message=_l("Lösenordet måste ha minst %(n)s tecken.", n=MIN_PASSWORD_LENGTH))])


class SecondFactorForm(FlaskForm):
    code = StringField(_l("Kod"), validators=[DataRequired(_l("Fyll i koden.")), Length(max=40)])
