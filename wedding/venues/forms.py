from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from wedding.forms import NotesMixin, name_field, stripped, timezone_choices


class VenueForm(NotesMixin, FlaskForm):
    name = name_field(_l("Name"))
    address = StringField(_l("Address"), validators=[Length(max=500)], filters=[stripped])
    timezone = SelectField(_l("Time zone"), default="Asia/Tokyo")
    capacity = IntegerField(
        _l("Capacity (guests)"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()
