from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import Email, Length, Optional, Regexp, ValidationError

from wedding.forms import LANGUAGE_CHOICES, NotesMixin, WeddingForm, name_field, narrowed, stripped
from wedding.i18n import lazy_gettext as _l


class ClientForm(NotesMixin, WeddingForm):
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
        filters=[narrowed],
    )
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="ja")
    ceremony_role = SelectField(
        _l("In the ceremony"),
        choices=[
            SelectChoice("bride", _l("Bride (新婦)")),
            SelectChoice("groom", _l("Groom (新郎)")),
            # Japanese texts say 新人, English ones "partner"; pronouns are a field of their own.
            SelectChoice("partner", _l("Gender-neutral (partner, 新人)")),
            SelectChoice("custom", _l("Our own words")),
        ],
        default="partner",
        description=_l("How the run of show and the documents name the client."),
    )
    role_label = StringField(
        _l("Own words"),
        validators=[Length(max=40)],
        filters=[stripped],
        description=_l("Used when “Our own words” is chosen, in every language."),
    )
    pronouns = SelectField(
        _l("Pronouns (English texts)"),
        choices=[
            SelectChoice("she", _l("she / her")),
            SelectChoice("he", _l("he / him")),
            SelectChoice("they", _l("they / them")),
        ],
        default="they",
    )

    def validate_role_label(self, field) -> None:
        if self.ceremony_role.data == "custom" and not field.data:
            raise ValidationError(_l("Write the words the ceremony uses for the client."))
