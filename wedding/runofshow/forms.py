from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, ValidationError

from wedding.forms import Between, WeddingForm, stripped
from wedding.i18n import lazy_gettext as _l
from wedding.runofshow.templates import TEMPLATES

ROLE_CHOICES = [
    SelectChoice("planner", _l("Planner")),
    SelectChoice("vow_reader", _l("Vow reader")),
    SelectChoice("photographer", _l("Photographer")),
    SelectChoice("ar_operator", _l("AR operator")),
    SelectChoice("client", _l("Client")),
    SelectChoice("everyone", _l("Everyone")),
]


def template_choices(lang: str) -> list[SelectChoice]:
    return [
        SelectChoice(key, spec["name_ja"] if lang == "ja" else spec["name_en"])
        for key, spec in TEMPLATES.items()
    ]


class TemplateForm(WeddingForm):
    template = SelectField(_l("Start from a template"))


class RunItemForm(WeddingForm):
    time = TimeField(
        _l("Starts at"),
        validators=[InputRequired(message=_l("Enter a time as HH:MM."))],
        invalid_value_message=_l("Enter a time as HH:MM (24-hour clock)."),
    )
    duration_minutes = IntegerField(
        _l("Length (minutes)"), default=5, validators=[InputRequired(), Between(min=0, max=600)]
    )
    title_ja = StringField(_l("Title (Japanese)"), validators=[Length(max=200)], filters=[stripped])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200)], filters=[stripped])
    role = SelectField(_l("Who"), choices=ROLE_CHOICES, default="planner")
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)], filters=[stripped])

    def validate_title_en(self, field) -> None:
        if not field.data and not self.title_ja.data:
            raise ValidationError(_l("Give a title in at least one language."))
