"""Guest list forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, TextAreaField, URLField
from wtforms.validators import URL, Email, Length, Optional

from wedding.forms import name_field, stripped

RSVP_CHOICES = [
    SelectChoice("yes", _l("Yes, in person")),
    SelectChoice("online", _l("Yes, online")),
    SelectChoice("no", _l("No, I cannot come")),
]


class GuestForm(FlaskForm):
    name = name_field(_l("Name"))
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
        filters=[stripped],
    )


class ReplyForm(FlaskForm):
    rsvp = RadioField(
        _l("Will you come?"),
        choices=RSVP_CHOICES,
        validate_choice=True,
    )
    note = TextAreaField(_l("A note (optional)"), validators=[Length(max=1000)], filters=[stripped])


class StreamForm(FlaskForm):
    stream_url = URLField(
        _l("Live stream link for online guests"),
        validators=[Optional(), URL(message=_l("Enter a web address.")), Length(max=500)],
        filters=[stripped],
    )
