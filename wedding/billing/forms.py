"""Forms for money: the company's invoice details, plans, quotes, payments and imports."""

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from wedding.billing.money import MoneyError, normalize_registration_number, parse_policy
from wedding.forms import Between, WeddingForm, name_field, narrowed, optional_id, stripped
from wedding.forms import DateField as CheckedDateField
from wedding.i18n import lazy_gettext as _l

RATE_CHOICES = [
    SelectChoice("10", _l("10 % (standard)")),
    SelectChoice("8", _l("8 % (reduced: food) ※")),
    SelectChoice("0", _l("0 % (exempt)")),
]
REGISTRATION_MESSAGES = {
    "registration_format": _l("Write the registration number as T and 13 digits."),
    "registration_check_digit": _l(
        "This registration number's check digit is wrong: check it against your notice."
    ),
}
POLICY_MESSAGE = _l("One tier a line as “days before: percent”, e.g. 30: 50; days may not repeat.")


class ProfileForm(WeddingForm):
    issuer_name = name_field(_l("Issuer name (as registered)"))
    registration_number = StringField(
        _l("Registration number"),
        validators=[InputRequired(), Length(max=30)],
        filters=[stripped],
        description=_l("T and 13 digits (適格請求書発行事業者登録番号)."),
    )
    address = StringField(_l("Address"), validators=[Length(max=300)], filters=[stripped])
    phone = StringField(_l("Phone"), validators=[Length(max=40)], filters=[narrowed])
    bank_name = StringField(_l("Bank"), validators=[Length(max=100)], filters=[stripped])
    bank_branch = StringField(_l("Branch"), validators=[Length(max=100)], filters=[stripped])
    account_type = SelectField(
        _l("Account type"),
        choices=[
            SelectChoice("ordinary", _l("Ordinary (普通)")),
            SelectChoice("current", _l("Current (当座)")),
        ],
    )
    account_number = StringField(
        _l("Account number"), validators=[Length(max=20)], filters=[stripped]
    )
    account_holder = StringField(
        _l("Account holder (as the bank writes it)"),
        validators=[Length(max=200)],
        filters=[stripped],
    )
    deposit_percent = IntegerField(
        _l("Deposit (percent of the quote)"), validators=[InputRequired(), Between(0, 100)]
    )
    deposit_due_days = IntegerField(
        _l("Deposit due (days after acceptance)"),
        validators=[InputRequired(), Between(0, 365)],
    )
    balance_days_before = IntegerField(
        _l("Balance due (days before the ceremony)"),
        validators=[InputRequired(), Between(0, 730)],
    )
    cancellation_policy = TextAreaField(
        _l("Cancellation policy"),
        validators=[InputRequired()],
        description=_l(
            "One tier a line: days before the ceremony, a colon, the fee in percent (30: 50)."
        ),
    )

    def validate_registration_number(self, field) -> None:
        try:
            field.data = normalize_registration_number(field.data)
        except MoneyError as error:
            raise ValidationError(REGISTRATION_MESSAGES[error.code]) from None

    def validate_cancellation_policy(self, field) -> None:
        try:
            self.policy = parse_policy(field.data or "")
        except MoneyError:
            raise ValidationError(POLICY_MESSAGE) from None


class PlanForm(WeddingForm):
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice("plan", _l("Plan")), SelectChoice("option", _l("Option"))]
    )
    name = name_field(_l("Name"))
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)], filters=[stripped])
    unit_price = IntegerField(
        _l("Price before tax (yen)"), validators=[InputRequired(), Between(0, 100_000_000)]
    )
    tax_rate = SelectField(_l("Tax rate"), choices=RATE_CHOICES, default="10")
    included = TextAreaField(
        _l("Included"),
        validators=[Length(max=5000)],
        filters=[stripped],
        description=_l("One item a line."),
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=5000)], filters=[stripped]
    )
    position = IntegerField(_l("Order"), validators=[Optional(), Between(0, 1000)], default=0)


class PaymentForm(WeddingForm):
    amount = IntegerField(_l("Amount (yen)"), validators=[InputRequired(), Between(1)])
    method = SelectField(
        _l("Method"),
        choices=[
            SelectChoice("bank", _l("Bank transfer")),
            SelectChoice("cash", _l("Cash")),
            SelectChoice("card", _l("Card")),
        ],
    )
    received_on = CheckedDateField(_l("Received on"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Length(max=300)], filters=[stripped])


class CancelInvoiceForm(WeddingForm):
    """The button of the page that asks first: only a post that says ``confirmed=yes`` (as that
    page's form does) voids an issued invoice, so a single click elsewhere never does."""

    confirmed = HiddenField()


class CreditForm(WeddingForm):
    amount = IntegerField(
        _l("Amount to return (yen, tax included)"), validators=[InputRequired(), Between(1)]
    )
    reason = name_field(_l("Reason"), 300)


class StatementForm(WeddingForm):
    file = FileField(_l("Bank statement (CSV)"), validators=[FileRequired()])


class SettleForm(WeddingForm):
    """A bank line the import could not settle: recorded on the invoice chosen from a list, or
    set aside with its own button."""

    invoice_id = SelectField(_l("Invoice"), coerce=optional_id, validate_choice=False)
    aside = SubmitField(_l("Set aside"))


class AcceptForm(WeddingForm):
    typed_name = name_field(_l("Type your full name to accept"))
    document_sha256 = StringField(validators=[InputRequired(), Length(64, 64)])


class QuoteForm(WeddingForm):
    plan_id = SelectField(_l("Plan"), coerce=int, validate_choice=True)
    notes = TextAreaField(
        _l("Notes on the quote"), validators=[Length(max=2000)], filters=[stripped]
    )


ITEM_ROWS = 8


def _rate(value: str) -> int | str:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 4 else value


class ItemForm(Form):
    """One row of a one-off invoice; a row left empty is skipped (no CSRF: a part of a form)."""

    description = StringField(_l("Description"), validators=[Length(max=300)], filters=[stripped])
    unit_price = IntegerField(_l("Unit price before tax (yen)"), validators=[Optional()])
    quantity = IntegerField(_l("Quantity"), validators=[Optional()], default=1)
    # the money rules judge the rate, so an unknown one reads as their sentence
    tax_rate = SelectField(
        _l("Tax rate"), choices=RATE_CHOICES, default="10", validate_choice=False
    )

    @property
    def is_empty(self) -> bool:
        return not self.description.data and self.unit_price.data is None


class InvoiceForm(WeddingForm):
    """A one-off invoice (kind "other"): a due date and its items, saved as a draft."""

    due = CheckedDateField(_l("Due"), validators=[InputRequired()])
    items = FieldList(FormField(ItemForm), min_entries=ITEM_ROWS, max_entries=ITEM_ROWS)

    def filled_items(self) -> list[tuple[int, dict]]:
        """(row, item) for every row with something in it, as the service reads items."""
        return [
            (
                row,
                {
                    "description": entry.form.description.data,
                    "unit_price": entry.form.unit_price.data,
                    "quantity": 1 if entry.form.quantity.data is None else entry.form.quantity.data,
                    "tax_rate": _rate(entry.form.tax_rate.data),
                },
            )
            for row, entry in enumerate(self.items)
            if not entry.form.is_empty
        ]
