"""Checklist and task forms."""

from wtforms import IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from wedding.forms import Between, DateField, WeddingForm, name_field, optional_id
from wedding.i18n import lazy_gettext as _l
from wedding.tasks.models import OFFSET_LIMIT

ROLE_CHOICES = [
    SelectChoice("planner", _l("Planner")),
    SelectChoice("ar_operator", _l("AR operator")),
    SelectChoice("photographer", _l("Photographer")),
    SelectChoice("vow_reader", _l("Vow reader")),
]


class TemplateNameForm(WeddingForm):
    name = name_field(_l("Name"))


class TemplateItemForm(WeddingForm):
    title = name_field(_l("Task"))
    offset_days = IntegerField(
        _l("Days from the date (− before, + after)"),
        validators=[
            InputRequired(message=_l("Enter a number of days, e.g. -30 or 14.")),
            Between(
                min=-OFFSET_LIMIT,
                max=OFFSET_LIMIT,
                message=_l("Keep within two years of the date."),
            ),
        ],
    )
    role = SelectField(_l("Whose"), choices=ROLE_CHOICES, default="planner")
    assignee_id = SelectField(_l("Staff member"), coerce=optional_id, validate_choice=False)


class ApplyChecklistForm(WeddingForm):
    template_id = SelectField(_l("Checklist"), coerce=optional_id, validate_choice=False)


class TaskForm(WeddingForm):
    title = name_field(_l("Task"))
    due_on = DateField(
        _l("Due"),
        validators=[InputRequired(message=_l("Enter a date."))],
        invalid_value_message=_l("Enter a real date as YYYY-MM-DD."),
    )
    role = SelectField(_l("Whose"), choices=ROLE_CHOICES, default="planner")
    assignee_id = SelectField(_l("Staff member"), coerce=optional_id, validate_choice=False)
