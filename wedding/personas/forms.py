from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from wedding.forms import name_field, stripped

TONES = [
    SelectChoice("gentle", _l("Gentle")),
    SelectChoice("playful", _l("Playful")),
    SelectChoice("formal", _l("Formal")),
    SelectChoice("tsundere", _l("Tsundere")),
    SelectChoice("poetic", _l("Poetic")),
    SelectChoice("cool", _l("Cool")),
    SelectChoice("cheerful", _l("Cheerful")),
]
ORIGINS = [
    SelectChoice("original", _l("Original character")),
    SelectChoice("licensed", _l("Licensed character")),
    SelectChoice("ai_platform", _l("AI platform (ChatGPT, Character.AI …)")),
    SelectChoice("sillytavern", _l("SillyTavern / character card")),
    SelectChoice("other", _l("Other")),
]
PRESENCES = [
    SelectChoice("ar_glasses", _l("AR glasses")),
    SelectChoice("panel", _l("Life-size panel")),
    SelectChoice("phone", _l("Phone or tablet")),
    SelectChoice("plush", _l("Plush figure")),
    SelectChoice("screen", _l("Screen at the venue")),
    SelectChoice("other", _l("Other")),
]
PICTURE_LIMIT = 10 * 1024 * 1024
CARD_LIMIT = 30 * 1024 * 1024


def text(label, description=None, max_length: int = 20_000) -> TextAreaField:
    return TextAreaField(
        label, validators=[Length(max=max_length)], filters=[stripped], description=description
    )


def line(label, max_length: int = 200, description=None) -> StringField:
    return StringField(
        label, validators=[Length(max=max_length)], filters=[stripped], description=description
    )


class CompanionForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int)
    name = name_field(_l("Name"))
    nickname = line(_l("Nickname"))
    description = text(_l("Short description"), _l("Who they are, in a few lines."))
    first_person = line(_l("First person"), 20, _l("僕, 俺, 私, わたし, I …"))
    tone = SelectField(_l("Tone"), choices=TONES, default="gentle")
    calls_client = line(_l("What they call the client"), 100)
    catchphrases = text(_l("Catchphrases"), _l("One a line."), 5000)
    traits = text(_l("Personality traits"))
    backstory = text(_l("Backstory"))
    voice_samples = text(_l("How they talk (samples)"), _l("A few things they have said."))
    how_met = text(_l("How they met"), max_length=5000)
    moment_knew = text(_l("The moment they knew"), max_length=5000)
    proposal_words = text(_l("The proposal, in their words"), max_length=5000)
    promises = text(_l("Promises"), max_length=5000)
    origin = SelectField(_l("Where the persona comes from"), choices=ORIGINS, default="original")
    platform = line(_l("Platform or rights holder"), 100)
    artwork_printable = BooleanField(_l("The artwork may be printed"))
    presence = SelectField(
        _l("Present at the ceremony through"), choices=PRESENCES, default="ar_glasses"
    )
    height_cm = IntegerField(
        _l("Height in AR (cm)"),
        default=175,
        validators=[
            Optional(),
            NumberRange(min=30, max=300, message=_l("Between 30 and 300 cm.")),
        ],
        filters=[lambda value: 175 if value is None else value],
        description=_l("The life-size standee stands this tall beside the client."),
    )
    portrait = FileField(
        _l("Portrait"),
        validators=[FileSize(PICTURE_LIMIT, message=_l("Pictures up to 10 MB."))],
        description=_l("PNG, JPEG or WebP, up to 10 MB."),
    )


class ImportForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int)
    card = FileField(
        _l("Character card or ChatGPT export"),
        validators=[
            FileRequired(message=_l("Choose a file.")),
            FileSize(CARD_LIMIT, message=_l("Files up to 30 MB.")),
        ],
        description=_l(
            "A card PNG, its JSON, a CHARX file, or conversations.json / the export zip."
        ),
    )
