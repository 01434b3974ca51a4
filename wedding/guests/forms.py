"""Guest list forms."""

from wtforms import EmailField, IntegerField, RadioField, SelectChoice, TextAreaField, URLField
from wtforms.validators import URL, Email, Length, Optional

from wedding.forms import Between, WeddingForm, name_field, stripped
from wedding.guests.services import LINK_DAYS_AFTER
from wedding.i18n import lazy_gettext as _l

RSVP_CHOICES = [
    SelectChoice("yes", _l("Yes, in person")),
    SelectChoice("online", _l("Yes, online")),
    SelectChoice("no", _l("No, I cannot come")),
]
# The planner may also take an answer back (one recorded by mistake); a guest may not.
PLANNER_RSVP_CHOICES = [SelectChoice("pending", _l("Not answered yet")), *RSVP_CHOICES]


class GuestForm(WeddingForm):
    name = name_field(_l("Name"))
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
        filters=[stripped],
    )
    link_days_after = IntegerField(
        _l("The invitation link works until this many days after the ceremony"),
        default=LINK_DAYS_AFTER[1],
        render_kw={"min": LINK_DAYS_AFTER[0], "max": LINK_DAYS_AFTER[2]},
        validators=[
            Optional(),
            Between(
                min=LINK_DAYS_AFTER[0],
                max=LINK_DAYS_AFTER[2],
                message=_l(
                    "Between %(fewest)d and %(most)d days.",
                    fewest=LINK_DAYS_AFTER[0],
                    most=LINK_DAYS_AFTER[2],
                ),
            ),
        ],
    )


class ReplyForm(WeddingForm):
    rsvp = RadioField(
        _l("Will you come?"),
        choices=RSVP_CHOICES,
        validate_choice=True,
        # Sent without a choice (WTForms would say "Not a valid choice").
        invalid_choice_message=_l("Please choose your answer."),
    )
    note = TextAreaField(_l("A note (optional)"), validators=[Length(max=1000)], filters=[stripped])


class PlannerReplyForm(WeddingForm):
    """The answer a planner writes down for a guest, or "not answered yet" to take one back.

    No note: the note is the guest's own, and the planner's answer leaves it as it is."""

    rsvp = RadioField(_l("Reply"), choices=PLANNER_RSVP_CHOICES, validate_choice=True)


class StreamForm(WeddingForm):
    stream_url = URLField(
        _l("Live stream link for online guests"),
        validators=[Optional(), URL(message=_l("Enter a web address.")), Length(max=500)],
        filters=[stripped],
    )
