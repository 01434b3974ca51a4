from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import Email, Length, Optional, Regexp

from wedding.forms import LANGUAGE_CHOICES, NotesMixin, name_field, stripped


class ClientForm(NotesMixin, FlaskForm):
    full_name = name_field(_l("Full name"))
    preferred_name = StringField(
        _l("Preferred name"),
        validators=[Length(max=200)],
        filters=[stripped],
        description=_l("How the client likes to be called, in documents and vows."),
    )
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
        filters=[stripped],
    )
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^\+?[0-9 ()\-]{6,}$", message=_l("Use digits, spaces, +, - and ( ) only.")),
        ],
        filters=[stripped],
    )
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="ja")
