"""`flask invoice render ID -o FILE.pdf`, receipts, reminders and the accountant's CSV."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from wedding.billing import tasks
from wedding.billing.documents import render_invoice_pdf, render_receipt_pdf
from wedding.billing.models import Invoice, Payment
from wedding.models import db

invoice_cli = click.Group("invoice", help="Invoices, receipts and credit notes.")


@invoice_cli.command("render")
@click.argument("invoice_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def render_command(invoice_id: int, output: Path) -> None:
    """Write an invoice or credit note as PDF."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise click.ClickException(f"No invoice {invoice_id}.")
    if invoice.number is None:
        raise click.ClickException(f"Invoice {invoice_id} is a draft: issue it first.")
    output.write_bytes(render_invoice_pdf(invoice))
    click.echo(f"{invoice.display_number} → {output}")


@invoice_cli.command("receipt")
@click.argument("payment_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def receipt_command(payment_id: int, output: Path) -> None:
    """Write the receipt (領収書) of a payment as PDF."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise click.ClickException(f"No payment {payment_id}.")
    output.write_bytes(render_receipt_pdf(payment))
    click.echo(f"{payment.display_receipt_number} → {output}")


@invoice_cli.command("remind")
@with_appcontext
def remind_command() -> None:
    """Queue due and overdue reminders now (the job worker also does this every hour)."""
    result = tasks.remind_invoices()
    db.session.commit()
    click.echo(f"{result['reminded']} invoices to remind.")
