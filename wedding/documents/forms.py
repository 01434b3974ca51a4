from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from wedding.forms import WeddingForm, stripped
from wedding.i18n import lazy_gettext as _l

THEME_CHOICES = [
    SelectChoice("classic", _l("Classic (mincho, ivory and gold)")),
    SelectChoice("modern", _l("Modern (gothic, your company colour)")),
    SelectChoice("sakura", _l("Sakura (soft pink, petals)")),
]
LANGUAGE_CHOICES = [
    SelectChoice("both", _l("Japanese and English")),
    SelectChoice("ja", _l("Japanese")),
    SelectChoice("en", _l("English")),
]
SIZE_CHOICES = [SelectChoice("a4", _l("A4")), SelectChoice("a5", _l("A5 booklet"))]


class DocumentSettingsForm(WeddingForm):
    theme = SelectField(_l("Theme"), choices=THEME_CHOICES)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    size = SelectField(_l("Program paper"), choices=SIZE_CHOICES)
    vow_reader = StringField(
        _l("Vow reader"),
        validators=[Length(max=200)],
        filters=[stripped],
        description=_l("Who reads the companion's vows aloud."),
    )
    photographer = StringField(_l("Photographer"), validators=[Length(max=200)], filters=[stripped])
    witness = StringField(
        _l("Witness"),
        validators=[Length(max=200)],
        filters=[stripped],
        # as documents.services.signatures prints it: the planner signs for the companion
        description=_l(
            "Signs the certificate as witness. The companion's line is signed for by the "
            "ceremony's planner, or by the witness when no planner is named."
        ),
    )
    thank_you = TextAreaField(
        _l("Thank-you note"),
        validators=[Length(max=1500)],
        filters=[stripped],
        description=_l("Printed at the end of the program. Leave empty for our default."),
        render_kw={"rows": 4},
    )


class IssueForm(WeddingForm):
    note = StringField(
        _l("What was corrected"),
        validators=[Length(max=500)],
        filters=[stripped],
        description=_l("For a reissue: the certificate keeps its number."),
    )


class BrandingForm(WeddingForm):
    color = StringField(
        _l("Company colour"),
        validators=[Optional(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use the form #a8883f."))],
        filters=[stripped],
        render_kw={"type": "color"},
    )
    logo = FileField(_l("Logo (PNG or JPEG, up to 2 MB)"))
