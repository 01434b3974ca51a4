"""What a planner or client reads when a money rule says no, by the rule's code."""

from wedding.i18n import lazy_gettext as _l

MESSAGES = {
    "no_registration": _l(
        "Enter the company's issuer name and registration number first (Money → Invoice details)."
    ),
    "registration_format": _l("Write the registration number as T and 13 digits."),
    "registration_check_digit": _l("This registration number's check digit is wrong."),
    "items": _l("Add at least one item."),
    "description": _l("Every item needs a description."),
    "unit_price": _l("Prices are whole yen, 0 or more."),
    "quantity": _l("Quantities are whole numbers, 1 or more."),
    "tax_rate": _l("The tax rate must be 10, 8 or 0 percent."),
    "plan": _l("Choose one of the company's plans."),
    "option": _l("Choose the company's own options."),
    "not_payable": _l("This invoice cannot take payments (draft, cancelled or a credit note)."),
    "already_paid": _l("This invoice is already paid: nothing was recorded."),
    "over": _l(
        "More than the open amount: record the open amount, or settle it from the bank statement."
    ),
    "duplicate": _l("This payment was already recorded: nothing changed."),
    "received_later": _l("The day received is still to come: enter the day the money came in."),
    "invoice_choice": _l("Choose one of the invoices listed, or set the line aside."),
    "amount": _l("The amount must be whole yen, 1 or more."),
    "has_payments": _l("This invoice has payments: issue a credit note instead."),
    "cancelled": _l("This invoice is already cancelled."),
    "has_credit": _l("A credit note stands against this invoice: cancel the credit note first."),
    "not_creditable": _l("Only an issued invoice can be credited."),
    "credit_amount": _l("A credit note can return at most what is left of the invoice."),
    "encoding": _l("The file is neither UTF-8 nor Shift_JIS text."),
    "columns": _l(
        "No date, amount and payer/description columns found in the first row of the file."
    ),
    "empty": _l("The file is empty."),
    "imported_meanwhile": _l(
        "These lines were being imported at the same moment (another tab or a colleague): "
        "nothing was imported twice. See the lines below."
    ),
    "settled": _l("This line is already settled."),
    "not_cancellable": _l("This ceremony cannot be cancelled now."),
    "no_quote": _l("Make a quote first."),
    "card_unavailable": _l("The card payment service did not answer: try again later."),
    "changed": _l("The quote changed while it was being read: please read it again."),
    "name": _l("Type your full name exactly as on the agreement."),
    "already_accepted": _l("This version is already accepted."),
}


# Rules about one line of a file: the sentence names the line.
LINE_MESSAGES = {
    "statement_later": _l(
        "Line %(line)d of the file is dated on a day still to come: is this the bank's "
        "statement, its days read as the bank writes them? Nothing was imported."
    ),
}


def message(code: str, line: int | None = None) -> str:
    if code in LINE_MESSAGES:
        return str(LINE_MESSAGES[code]) % {"line": line or 0}
    return str(MESSAGES.get(code, code))
