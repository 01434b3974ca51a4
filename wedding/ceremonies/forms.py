from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, TimeField
from wtforms.validators import InputRequired, ValidationError

from wedding.forms import NotesMixin

STATUS_CHOICES = [
    SelectChoice("draft", _l("Draft")),
    SelectChoice("hold", _l("On hold")),
    SelectChoice("confirmed", _l("Confirmed")),
    SelectChoice("completed", _l("Completed")),
    SelectChoice("cancelled", _l("Cancelled")),
]


EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


def optional_id(value):
    """'' from the 'none' option becomes None; everything else an int (or a ValueError)."""
    if value in ("", None, "None"):
        return None
    return int(value)


class CeremonyForm(NotesMixin, FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int)
    companion_id = SelectField(_l("Companion"), coerce=optional_id)
    venue_id = SelectField(_l("Venue"), coerce=int)
    date = DateField(
        _l("Date"),
        validators=[InputRequired(message=_l("Enter a date as YYYY-MM-DD."))],
        invalid_value_message=_l("Enter a real date as YYYY-MM-DD."),
    )
    start_time = TimeField(
        _l("Starts"),
        validators=[InputRequired(message=_l("Enter a time as HH:MM."))],
        invalid_value_message=_l("Enter a time as HH:MM (24-hour clock)."),
    )
    end_time = TimeField(
        _l("Ends"),
        validators=[InputRequired(message=_l("Enter a time as HH:MM."))],
        invalid_value_message=_l("Enter a time as HH:MM (24-hour clock)."),
    )
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default="draft")

    def validate_date(self, field) -> None:
        if field.data and not EARLIEST <= field.data <= LATEST:
            raise ValidationError(
                _l("Choose a date between %(first)s and %(last)s.", first=EARLIEST, last=LATEST)
            )

    def validate_end_time(self, field) -> None:
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("The ceremony must end after it starts."))
