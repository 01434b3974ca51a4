from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length

from wedding.forms import name_field, stripped


class CompanionForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int)
    name = name_field(_l("Name"))
    description = TextAreaField(
        _l("Short description"),
        validators=[Length(max=2000)],
        filters=[stripped],
        description=_l("Who they are, in a few lines."),
    )
