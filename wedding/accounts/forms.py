"""Forms for signing in, choosing a language and adding staff."""

from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from wedding.forms import LANGUAGE_CHOICES, WeddingForm
from wedding.i18n import lazy_gettext as _l

ROLE_CHOICES = [
    SelectChoice("owner", _l("Owner")),
    SelectChoice("planner", _l("Planner")),
    SelectChoice("viewer", _l("Viewer")),
]


class LoginForm(WeddingForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class LanguageForm(WeddingForm):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    next = HiddenField()


class PasswordForm(WeddingForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters. Every other signed-in browser is signed out."),
    )
    again = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new", message=_l("The two new passwords are not the same.")),
        ],
    )


class StaffForm(WeddingForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="planner")
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters. Share it privately; they can use it at once."),
    )
