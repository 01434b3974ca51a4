"""Form pieces shared by every capability."""

import math
import re
import unicodedata
from datetime import date
from functools import cache
from zoneinfo import available_timezones

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField as WTFormsDateField
from wtforms import SelectChoice, StringField, TextAreaField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import Length, NumberRange, ValidationError

from wedding.i18n import lazy_gettext as _l
from wedding.inputs import date_range_message, in_supported_range, is_blank, parse_id

NOTES_MAX = 5000
LANGUAGE_CHOICES = [SelectChoice("ja", "日本語"), SelectChoice("en", "English")]


@cache
def timezone_choices() -> list[SelectChoice]:
    return [SelectChoice(name) for name in sorted(available_timezones()) if "/" in name]


def not_blank(form, field) -> None:
    """DataRequired that also refuses a value of only spaces, control or zero-width characters."""
    if is_blank(field.data):
        raise ValidationError(_l("This field is required."))


not_blank.field_flags = {"required": True}


def optional_id(value) -> int | None:
    """``coerce=`` for a menu of records: the empty "none" option is None, anything else a
    database id (a ValueError for "²", 2**31 and up: the form says the choice is not valid,
    never an overflow in the query that looks the record up)."""
    if value in ("", None, "None"):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # a default or an object's own id, not typed
    number = parse_id(value)
    if number is None:
        raise ValueError(value)
    return number


def stripped(value) -> str:
    """Trim text; a field missing from the request becomes empty text, never NULL."""
    return value.strip() if isinstance(value, str) else ""


# Dashes a Japanese input method or a word processor types where a phone number has "-".
DASHES = str.maketrans(dict.fromkeys("ー‐‑–—―−", "-"))


def narrowed(value) -> str:
    """Trimmed, with full-width digits, letters and signs as an input method types them
    (０９０－１２３４－５６７８) read as the ASCII they stand for (NFKC)."""
    return unicodedata.normalize("NFKC", stripped(value)).translate(DASHES)


class DateField(WTFormsDateField):
    """Every date a form takes: YYYY-MM-DD within the dates the application supports. A day
    written in that form that the calendar has not (2026-02-30) is named as such."""

    def process_formdata(self, valuelist) -> None:
        text = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            try:
                date.fromisoformat(text)
            except ValueError:
                self.data = None
                raise ValueError(_("There is no %(day)s on the calendar.", day=text)) from None
        super().process_formdata(valuelist)
        if self.data is not None and not in_supported_range(self.data):
            self.data = None
            raise ValueError(date_range_message())


class Between(NumberRange):
    """NumberRange with sentences of our own: WTForms' Japanese catalogue writes
    「数値は 0 以上, 100000 以下である必要があります」, an ASCII comma and no digit grouping.
    A validator given its own ``message`` keeps it."""

    def __call__(self, form, field) -> None:
        if self.message is not None:
            return super().__call__(form, field)
        data = field.data
        if (
            data is not None
            and not math.isnan(data)
            and (self.min is None or data >= self.min)
            and (self.max is None or data <= self.max)
        ):
            return None
        low, high = (None if v is None else f"{v:,}" for v in (self.min, self.max))
        if low is not None and high is not None:
            raise ValidationError(_("Enter a number from %(min)s to %(max)s.", min=low, max=high))
        if low is not None:
            raise ValidationError(_("Enter a number of %(min)s or more.", min=low))
        raise ValidationError(_("Enter a number of %(max)s or less.", max=high))


class NotesMixin:
    notes = TextAreaField(_l("Notes"), validators=[Length(max=NOTES_MAX)], filters=[stripped])


def one_line(value) -> str:
    """Trimmed, with any run of spaces or line breaks as one space. A text input never sends a
    line break, a crafted request can: a name with one broke every mail whose subject named it."""
    return " ".join(stripped(value).split())


def name_field(label, max_length: int = 200) -> StringField:
    return StringField(label, validators=[not_blank, Length(max=max_length)], filters=[one_line])


class WeddingForm(FlaskForm):
    """The base of every form here: a FlaskForm (so CSRF on) whose token input has no id.

    Pages show several forms, and an id="csrf_token" in each would repeat an id, which HTML
    forbids and assistive technology trips over (``form.csrf_token(id=...)`` can still set one)."""

    class Meta:
        def render_field(self, field, render_kw):
            if isinstance(field, CSRFTokenField):
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)


def error_summary(form) -> str:
    """A form's errors in one line for a flash message: each field's first error after its
    label (a form shown collapsed, or not shown again, has no field to mark)."""
    parts = []
    for name, errors in form.errors.items():
        field = form._fields.get(name)
        if field is None or isinstance(field, CSRFTokenField) or not field.label.text:
            parts.append(str(errors[0]))
        else:
            parts.append(_("%(field)s: %(error)s", field=field.label.text, error=errors[0]))
    return " ".join(parts)


class ConfirmForm(WeddingForm):
    """An empty form whose only job is to carry the CSRF token of a button."""
