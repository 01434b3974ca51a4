from datetime import time

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from wedding.forms import (
    Between,
    DateField,
    NotesMixin,
    WeddingForm,
    name_field,
    stripped,
    timezone_choices,
)
from wedding.i18n import HOME_TIMEZONE
from wedding.i18n import lazy_gettext as _l

WEEKDAYS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]
DEFAULT_OPENS, DEFAULT_CLOSES = time(10, 0), time(18, 0)


def parse_durations(text: str) -> list[int]:
    """'60, 90,120' -> [60, 90, 120]; a ValueError names what is wrong."""
    values = set()
    for part in (text or "").replace("、", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 15 <= int(part) <= 600 or int(part) % 5:
            raise ValueError(part)
        values.add(int(part))
    if not values:
        raise ValueError("")
    return sorted(values)


class DayHoursForm(Form):
    """One weekday's opening hours (a subform without its own CSRF token)."""

    open = BooleanField(_l("Open"))
    opens = TimeField(_l("From"), validators=[Optional()])
    closes = TimeField(_l("Until"), validators=[Optional()])

    def validate_closes(self, field) -> None:
        if not self.open.data:
            return
        if not self.opens.data or not field.data:
            raise ValidationError(_l("Give both times, or mark the day closed."))
        if field.data <= self.opens.data:
            raise ValidationError(_l("Closing must be after opening."))


class VenueForm(NotesMixin, WeddingForm):
    name = name_field(_l("Name"))
    address = StringField(_l("Address"), validators=[Length(max=500)], filters=[stripped])
    timezone = SelectField(_l("Time zone"), default=HOME_TIMEZONE)
    capacity = IntegerField(
        _l("Capacity (guests)"), validators=[Optional(), Between(min=1, max=100_000)]
    )
    durations = StringField(
        _l("Ceremony lengths (minutes)"),
        default="60, 90, 120",
        description=_l("Separated by commas, e.g. 60, 90, 120."),
    )
    buffer_minutes = IntegerField(
        _l("Turnover between ceremonies (minutes)"),
        default=30,
        validators=[InputRequired(), Between(min=0, max=720)],
    )
    slot_step_minutes = SelectField(
        _l("Start times every"),
        coerce=int,
        default=30,
        choices=[SelectChoice(m, _l("%(minutes)s minutes", minutes=m)) for m in (15, 30, 60)],
    )
    horizon_days = IntegerField(
        _l("Bookable up to (days ahead)"),
        default=730,
        validators=[InputRequired(), Between(min=1, max=3660)],
    )
    hold_days = IntegerField(
        _l("A hold lasts (days)"),
        default=7,
        validators=[InputRequired(), Between(min=1, max=90)],
    )
    reminder_days = IntegerField(
        _l("Remind before a hold lapses (days)"),
        default=2,
        validators=[InputRequired(), Between(min=0, max=90)],
    )
    hours = FieldList(FormField(DayHoursForm), min_entries=7, max_entries=7)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()

    def validate_durations(self, field) -> None:
        try:
            parse_durations(field.data)
        except ValueError:
            raise ValidationError(
                _l("Give lengths between 15 and 600 minutes in steps of 5, separated by commas.")
            ) from None

    def validate_reminder_days(self, field) -> None:
        if self.hold_days.data and field.data is not None and field.data >= self.hold_days.data:
            raise ValidationError(_l("Remind before the hold lapses: fewer days than it lasts."))


class ClosureForm(WeddingForm):
    starts_on = DateField(
        _l("First day"),
        validators=[InputRequired(message=_l("Enter a date as YYYY-MM-DD."))],
        invalid_value_message=_l("Enter a real date as YYYY-MM-DD."),
    )
    ends_on = DateField(
        _l("Last day"),
        validators=[InputRequired(message=_l("Enter a date as YYYY-MM-DD."))],
        invalid_value_message=_l("Enter a real date as YYYY-MM-DD."),
    )
    reason = StringField(_l("Reason"), validators=[Length(max=200)], filters=[stripped])

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first."))
