"""`flask invoice render ID -o FILE.pdf`, receipts, reminders, signed agreements' PDFs;
`flask payments events`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from wedding.billing import tasks
from wedding.billing.documents import render_invoice_pdf, render_receipt_pdf
from wedding.billing.models import Acceptance, Invoice, Payment
from wedding.billing.stripe_pay import recent_events
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


@invoice_cli.command("agreements")
@with_appcontext
def agreements_command() -> None:
    """Queue the PDF of every signed agreement that has none (e.g. its job failed for good);
    one already made is neither made nor mailed again."""
    missing = db.session.scalars(
        db.select(Acceptance).where(Acceptance.file_id.is_(None)).order_by(Acceptance.id)
    ).all()
    for acceptance in missing:
        tasks.queue_agreement_pdf(acceptance)
    db.session.commit()
    click.echo(f"{len(missing)} signed agreements to render.")


payments_cli = click.Group("payments", help="Card payment events (Stripe's webhook calls).")


@payments_cli.command("events")
@click.option("--unmatched", is_flag=True, help="Only calls no company sees (no invoice of ours).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@with_appcontext
def events_command(unmatched: bool, limit: int) -> None:
    """List the latest webhook calls, newest first, with what was done with each."""
    events = recent_events(unmatched=unmatched, limit=limit)
    for event in events:
        click.echo(
            "\t".join(
                (
                    str(event.id),
                    event.received_at.isoformat(timespec="seconds"),
                    event.provider,
                    event.outcome,
                    event.event_type or "-",
                    event.event_id or "-",
                    f"org={event.org_id or '-'}",
                    f"invoice={event.invoice_id or '-'}",
                )
            )
        )
    if not events:
        click.echo("No events.")
