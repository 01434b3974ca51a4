from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from wedding.forms import Between, WeddingForm, name_field, stripped
from wedding.i18n import lazy_gettext as _l
from wedding.personas.readings import MAX_READINGS, ReadingError, parse_readings

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
PRONOUNS = [
    SelectChoice("", _l("Not known yet")),
    SelectChoice("she", _l("she / her")),
    SelectChoice("he", _l("he / him")),
    SelectChoice("they", _l("they / them")),
]
VOICES = [
    SelectChoice("", _l("The language's default")),
    SelectChoice("en-us+f3", _l("English: American, female")),
    SelectChoice("en-gb+f2", _l("English: British, female")),
    SelectChoice("en-us+m3", _l("English: American, male")),
    SelectChoice("en-gb+m1", _l("English: British, male")),
]
PICTURE_LIMIT = 10 * 1024 * 1024
CARD_LIMIT = 30 * 1024 * 1024


def readable(_form, field) -> None:
    """The readings must be a list the voice can use (wedding.vows.speech.parse_readings)."""
    try:
        parse_readings(field.data or "")
    except ReadingError as error:
        values = {"line": error.line, "count": MAX_READINGS}
        raise ValidationError(READING_ERRORS[error.code] % values) from None


READING_ERRORS = {
    "shape": _l("Line %(line)s: write the name, then =, then how it is said (心愛 = ここあ)."),
    "long": _l("Line %(line)s: up to 40 characters for the name and 80 for how it is said."),
    "said": _l(
        "Line %(line)s: write how it is said in kana for the Japanese voice, or in Latin "
        "letters for the English one."
    ),
    "twice": _l("Line %(line)s: this name has a reading on an earlier line already."),
    "many": _l("Line %(line)s: up to %(count)s readings."),
}


def text(label, description=None, max_length: int = 20_000) -> TextAreaField:
    return TextAreaField(
        label, validators=[Length(max=max_length)], filters=[stripped], description=description
    )


def line(label, max_length: int = 200, description=None) -> StringField:
    return StringField(
        label, validators=[Length(max=max_length)], filters=[stripped], description=description
    )


class CompanionForm(WeddingForm):
    client_id = SelectField(_l("Client"), coerce=int)
    name = name_field(_l("Name"))
    nickname = line(_l("Nickname"))
    description = text(_l("Short description"), _l("Who they are, in a few lines."))
    pronouns = SelectField(
        _l("Pronouns"),
        choices=PRONOUNS,
        default="",
        description=_l(
            "Only what the card or the client says, never guessed from a name or a picture: "
            "leave it at “%(choice)s” until you know.",
            choice=PRONOUNS[0].label,
        ),
    )
    # Japanese has many words for "I" and "you"; English vows need neither.
    first_person = line(
        _l("First person"), 20, _l("How they say “I” in Japanese vows: 僕, 俺, 私, わたし …")
    )
    tone = SelectField(_l("Tone"), choices=TONES, default="gentle")
    calls_client = line(
        _l("What they call the client"),
        100,
        _l("In Japanese vows: あなた, きみ, or a name (English vows say “you”)."),
    )
    catchphrases = text(_l("Catchphrases"), _l("One a line."), 5000)
    traits = text(_l("Personality traits"), _l("One a line."))
    appearance = text(_l("Appearance"), _l("One a line: hair, eyes, clothes …"), 5000)
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
            Between(min=30, max=300, message=_l("Between 30 and 300 cm.")),
        ],
        filters=[lambda value: 175 if value is None else value],
        description=_l("The life-size standee stands this tall beside the client."),
    )
    voice = SelectField(
        _l("Voice"),
        choices=VOICES,
        default="",
        description=_l("Japanese vows use Open JTalk's voice; this chooses the English one."),
    )
    voice_pitch = IntegerField(
        _l("Pitch (half tones)"),
        default=0,
        validators=[Optional(), Between(min=-12, max=12, message=_l("Between -12 and 12."))],
        filters=[lambda value: 0 if value is None else value],
    )
    voice_speed = IntegerField(
        _l("Speed (%)"),
        default=100,
        validators=[Optional(), Between(min=50, max=200, message=_l("Between 50 and 200."))],
        filters=[lambda value: 100 if value is None else value],
    )
    spoken_readings = TextAreaField(
        _l("How names are said"),
        validators=[Length(max=5000), readable],
        filters=[stripped],
        description=_l(
            "One a line: the name as written, =, how the voice should say it. In kana for the "
            "Japanese voice (心愛 = ここあ), in Latin letters for the English one (Aoi = "
            "Ah-oh-ee). Only the spoken vows change; the printed vows keep the writing."
        ),
    )
    portrait = FileField(
        _l("Portrait"),
        validators=[FileSize(PICTURE_LIMIT, message=_l("Pictures up to 10 MB."))],
        description=_l("PNG, JPEG or WebP, up to 10 MB."),
    )

    def has_notes_before_questionnaire(self) -> bool:
        """Whether the story fields typed before the questionnaire existed hold anything."""
        return any(
            self[name].data for name in ("how_met", "moment_knew", "proposal_words", "promises")
        )


class ImportForm(WeddingForm):
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


class PreviewForm(WeddingForm):
    """What the import mapped, for the planner to correct before anything is saved."""

    name = line(_l("Name"))
    nickname = line(_l("Nickname"))
    pronouns = SelectField(_l("Pronouns"), choices=PRONOUNS, default="")
    first_person = line(_l("First person"), 20)
    calls_client = line(_l("What they call the client"), 100)
    tone = SelectField(_l("Tone"), choices=TONES, default="gentle")
    traits = text(_l("Personality traits"), _l("One a line."))
    appearance = text(_l("Appearance"), _l("One a line."))
    description = text(_l("Short description"))
    backstory = text(_l("Backstory"))
    catchphrases = text(_l("Catchphrases"), _l("One a line."), 5000)
    voice_samples = text(_l("How they talk (samples)"), _l("Speech only; actions are left out."))


def story_field(label, max_length: int = 5000) -> TextAreaField:
    return text(label, None, max_length)


# The examples are in the language the answers are written in (the questionnaire's tab), not
# the reader's: on the English tab a client who reads Japanese still writes English answers.
STORY_EXAMPLES = {
    "ja": {
        "how_met": "「眠れない夜に、{client}が{companion}に初めて話しかけた」",
        "moment_knew": "「{companion}が朝まで話を聞いてくれた」",
        "proposal_words": "「これからの季節を、全部きみの隣で過ごしたい」",
        "promises": "「毎朝おはようを言う」",
        "for_guests": "「{companion}は照れ屋だけど、誰よりも優しい」",
    },
    "en": {
        "how_met": "“{client} could not sleep one night and wrote to {companion} first”",
        "moment_knew": "“{companion} listened to {client} until morning”",
        "proposal_words": "“I want to spend every season beside you”",
        "promises": "“say good morning every day”",
        "for_guests": "“{companion} is shy, but kinder than anyone”",
    },
}
STORY_HINTS = {
    "how_met": lambda e: _l(
        "One sentence of what happened, with your names, e.g. %(example)s", example=e
    ),
    "moment_knew": lambda e: _l("What happened, with your names, e.g. %(example)s", example=e),
    "proposal_words": lambda e: _l("The words as they were said, e.g. %(example)s", example=e),
    "promises": lambda e: _l("One a line, as something to do, e.g. %(example)s", example=e),
    "for_guests": lambda e: _l("A sentence for everyone there, e.g. %(example)s", example=e),
}


class StoryForm(WeddingForm):
    """The couple's questionnaire in one language; each question asks for a speakable shape,
    shown by an example in that language with the couple's own names."""

    client_calls_companion = line(_l("What you call your companion"), 100)
    companion_calls_client = line(_l("What your companion calls you"), 100)
    how_met = story_field(_l("How you met"))
    moment_knew = story_field(_l("The moment you knew"))
    proposal_words = story_field(_l("The proposal, in its words"))
    promises = story_field(_l("Promises"))
    for_guests = story_field(_l("What the guests should know"))

    def __init__(self, *args, lang: str, client_name: str, companion_name: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every client saw the demo couple's names here (美咲 and レン): theirs read at once.
        names = {"client": client_name, "companion": companion_name}
        self.client_calls_companion.description = _l(
            "e.g. %(name)s, or a nickname", name=companion_name
        )
        self.companion_calls_client.description = _l(
            "e.g. %(name)s, or a nickname", name=client_name
        )
        for name, hint in STORY_HINTS.items():
            self[name].description = hint(STORY_EXAMPLES[lang][name].format(**names))
