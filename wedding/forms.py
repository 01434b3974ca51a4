"""Form pieces shared by every capability."""

from functools import cache
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

NOTES_MAX = 5000
LANGUAGE_CHOICES = [SelectChoice("ja", "日本語"), SelectChoice("en", "English")]


@cache
def timezone_choices() -> list[SelectChoice]:
    return [SelectChoice(name) for name in sorted(available_timezones()) if "/" in name]


def not_blank(form, field) -> None:
    """DataRequired that also refuses a value of only spaces."""
    if not (field.data or "").strip():
        raise ValidationError(_l("This field is required."))


not_blank.field_flags = {"required": True}


def stripped(value) -> str:
    """Trim text; a field missing from the request becomes empty text, never NULL."""
    return value.strip() if isinstance(value, str) else ""


class NotesMixin:
    notes = TextAreaField(_l("Notes"), validators=[Length(max=NOTES_MAX)], filters=[stripped])


def name_field(label, max_length: int = 200) -> StringField:
    return StringField(label, validators=[not_blank, Length(max=max_length)], filters=[stripped])


class ConfirmForm(FlaskForm):
    """An empty form whose only job is to carry the CSRF token of a button."""
