"""Vendor and order forms."""

from wtforms import EmailField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from wedding.forms import Between, WeddingForm, name_field, narrowed, optional_id, stripped
from wedding.i18n import lazy_gettext as _l

KIND_CHOICES = [
    SelectChoice("print_shop", _l("Print shop")),
    SelectChoice("frame_maker", _l("Frame maker")),
    SelectChoice("compositing_studio", _l("Compositing studio")),
    SelectChoice("photographer", _l("Photographer")),
]
STATUS_CHOICES = [
    SelectChoice("ordered", _l("Ordered")),
    SelectChoice("shipped", _l("Shipped")),
    SelectChoice("received", _l("Received")),
]


class VendorForm(WeddingForm):
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    name = name_field(_l("Name"))
    contact = StringField(_l("Contact person"), validators=[Length(max=200)], filters=[stripped])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
        filters=[stripped],
    )
    phone = StringField(_l("Phone"), validators=[Length(max=50)], filters=[narrowed])
    lead_time_days = IntegerField(
        _l("Lead time (days)"),
        default=0,
        validators=[InputRequired(), Between(min=0, max=365)],
    )
    registration_number = StringField(
        _l("Invoice registration number (T + 13 digits)"),
        validators=[Length(max=20)],
        filters=[stripped],
    )
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)], filters=[stripped])


class OrderForm(WeddingForm):
    vendor_id = SelectField(_l("Vendor"), coerce=optional_id, validate_choice=False)
    task_id = SelectField(_l("For the task"), coerce=optional_id, validate_choice=False)
    what = name_field(_l("What"))
    quantity = IntegerField(
        _l("Quantity"), default=1, validators=[InputRequired(), Between(min=1, max=10_000)]
    )
    cost_yen = IntegerField(
        _l("Cost (yen)"),
        default=0,
        validators=[InputRequired(), Between(min=0, max=100_000_000)],
    )
    print_width_mm = IntegerField(
        _l("Print width (mm)"), validators=[Optional(), Between(min=10, max=3000)]
    )
    print_height_mm = IntegerField(
        _l("Print height (mm)"), validators=[Optional(), Between(min=10, max=3000)]
    )
    bleed_mm = IntegerField(
        _l("Bleed (mm)"), default=3, validators=[InputRequired(), Between(min=0, max=20)]
    )
