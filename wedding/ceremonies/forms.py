from wtforms import IntegerField, SelectChoice, SelectField, TimeField
from wtforms.validators import InputRequired, Optional

from wedding.forms import Between, DateField, NotesMixin, WeddingForm, optional_id
from wedding.i18n import lazy_gettext as _l

STATUS_CHOICES = [
    SelectChoice("draft", _l("Draft")),
    SelectChoice("waitlisted", _l("Waitlisted")),
    SelectChoice("hold", _l("On hold")),
    SelectChoice("confirmed", _l("Confirmed")),
    SelectChoice("completed", _l("Completed")),
    SelectChoice("cancelled", _l("Cancelled")),
    SelectChoice("expired", _l("Hold expired")),
]


def duration_choices(durations, offered=None) -> list[SelectChoice]:
    """Lengths for the menu; those not ``offered`` (by the chosen venue) hidden and disabled."""
    return [
        SelectChoice(
            minutes,
            _l("%(minutes)s minutes", minutes=minutes),
            render_kw=(
                {} if offered is None or minutes in offered else {"hidden": True, "disabled": True}
            ),
        )
        for minutes in sorted(set(durations))
    ]


class CeremonyForm(NotesMixin, WeddingForm):
    client_id = SelectField(_l("Client"), coerce=int)
    companion_id = SelectField(_l("Companion"), coerce=optional_id)
    venue_id = SelectField(_l("Venue"), coerce=int)
    planner_id = SelectField(_l("Planner in charge"), coerce=optional_id)
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
    duration_minutes = SelectField(_l("Length"), coerce=int)
    guest_count = IntegerField(
        _l("Number of guests"), validators=[Optional(), Between(min=0, max=100_000)]
    )


class ConfirmBookingForm(WeddingForm):
    deposit = IntegerField(
        _l("Deposit received (yen)"),
        validators=[Optional(), Between(min=0, max=100_000_000)],
        description=_l(
            "Leave empty to confirm by hand. A deposit entered here counts as paid on the "
            "client's invoices."
        ),
    )
