from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from wedding.forms import Between, WeddingForm, stripped
from wedding.i18n import lazy_gettext as _l
from wedding.vows.services import MAX_TEXT

ROLE_CHOICES = [
    SelectChoice("companion", _l("The companion's vows")),
    SelectChoice("client", _l("The client's vows")),
]
LANG_CHOICES = [SelectChoice("ja", "日本語"), SelectChoice("en", "English")]


class DraftForm(WeddingForm):
    role = SelectField(_l("Whose vows"), choices=ROLE_CHOICES)
    lang = SelectField(_l("Language"), choices=LANG_CHOICES)
    seed = IntegerField(
        _l("Seed"),
        validators=[Optional(), Between(min=0, max=2**31 - 1)],
        description=_l("The same seed gives the same drafts. Leave empty for new ones."),
    )
    use_llm = BooleanField(_l("Use the AI composer (needs the client's consent)"))


class EditForm(WeddingForm):
    text = TextAreaField(
        _l("Vows"),
        validators=[
            InputRequired(message=_l("Write the vows.")),
            Length(max=MAX_TEXT, message=_l("Vows can be at most %(max)d characters.")),
        ],
        render_kw={"rows": 14},
    )


class ConsentForm(WeddingForm):
    agreed_by = StringField(
        _l("Who agreed"),
        validators=[
            InputRequired(message=_l("Write the name of the person who agreed.")),
            Length(max=200),
        ],
        filters=[stripped],
    )
    confirm = BooleanField(
        _l(
            "The client agreed that their companion's persona, their names and their story may be "
            "sent to this provider to write vows."
        ),
        validators=[InputRequired(message=_l("Tick the box to record the consent."))],
    )


class VoiceConsentForm(WeddingForm):
    agreed_by = StringField(
        _l("Who agreed"),
        validators=[
            InputRequired(message=_l("Write the name of the person who agreed.")),
            Length(max=200),
        ],
        filters=[stripped],
        id="voice_agreed_by",  # beside the AI consent form on one page: ids of its own
    )
    confirm = BooleanField(
        _l(
            "The client agreed that the vows may be spoken by a synthetic voice made on this "
            "server (nothing is sent anywhere) and the recording kept with their data."
        ),
        validators=[InputRequired(message=_l("Tick the box to record the consent."))],
        id="voice_confirm",
    )
