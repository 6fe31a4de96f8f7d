"""Reporting forms: a result (outcome). The month grid posts plain named cells (see grid.py)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.common.forms import DateField
from app.common.labels import LABELS

REQUIRED = _l("Fyll i fältet.")


class OutcomeForm(FlaskForm):
    placement = SelectField(_l("Placering"), choices=[], validate_choice=False)
    kind = SelectField(_l("Resultat"), choices=list(LABELS["outcome_kind"].items()))
    result_date = DateField(_l("Startdatum"), validators=[DataRequired(_l("Ange startdatum."))])
    employer = StringField(_l("Arbetsgivare eller skola"), validators=[DataRequired(REQUIRED), Length(max=200)])
    extent = StringField(_l("Omfattning (t.ex. heltid, 75 %)"), validators=[DataRequired(REQUIRED), Length(max=100)])
    employment_form = SelectField(_l("Anställningsform (bara för arbete)"),
                                  choices=[("", "–")] + list(LABELS["employment_form"].items()))
    reason = StringField(_l("Skäl (krävs för ett resultat i en redan avräknad månad)"),
                         validators=[Length(max=500)])
