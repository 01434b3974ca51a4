"""Money figures: the invoice PDF (as a ratio to the documents' floor) and matching a
5,000-line bank statement against 1,000 open invoices, on SQLite and PostgreSQL."""

import random
import time
from datetime import date, timedelta

from bench.common import databases, dispose, migrated_app, timed
from bench.documents import FLOOR_HTML
from wedding.billing import services as billing
from wedding.billing.documents import render_invoice_pdf
from wedding.billing.models import Invoice
from wedding.billing.money import Line
from wedding.ceremonies.models import Ceremony
from wedding.demo import load_demo
from wedding.documents.render import html_to_pdf
from wedding.models import db, utcnow

INVOICES = 1_000
STATEMENT_LINES = 5_000


def _statement(invoices: list[Invoice]) -> bytes:
    """A Shift_JIS statement as banks export it: matched transfers, partial and over-payments,
    strangers' credits and withdrawals, with half-width kana names."""
    rng = random.Random(7)  # noqa: S311 - bench data, not secrets
    rows = ["取引日,お引出金額,お預り金額,摘要,残高"]
    day = date(2026, 11, 1)
    for number in range(STATEMENT_LINES):
        kind = number % 10
        invoice = invoices[number % len(invoices)]
        when = (day + timedelta(days=number % 28)).strftime("%Y/%m/%d")
        if kind < 4:
            rows.append(f'{when},,"{invoice.total:,}",ﾌﾘｺﾐ {invoice.reference_code} ｻﾄｳ ﾐｻｷ,0')
        elif kind < 6:
            rows.append(f"{when},,{invoice.total // 3},ﾌﾘｺﾐ ｽｽﾞｷ {invoice.reference_code},0")
        elif kind < 8:
            rows.append(f"{when},,{rng.randint(1000, 90000)},ﾌﾘｺﾐ ﾀﾅｶ ﾀﾛｳ,0")
        else:
            rows.append(f"{when},{rng.randint(100, 5000)},,ﾃｽｳﾘｮｳ,0")
    return ("\r\n".join(rows) + "\r\n").encode("cp932")


def run() -> None:
    with databases() as found:
        for label, url in found:
            app = migrated_app(url)
            with app.app_context():
                load_demo(date(2026, 11, 27))
                db.session.commit()
                ceremony = db.session.scalars(db.select(Ceremony)).first()
                invoice = db.session.scalars(db.select(Invoice)).first()
                if label == "sqlite":
                    floor, _ = timed(lambda: html_to_pdf(FLOOR_HTML), repeat=20)
                    pdf = render_invoice_pdf(invoice)
                    median, p95 = timed(lambda invoice=invoice: render_invoice_pdf(invoice), 15)
                    print(
                        f"billing    invoice PDF: median {median:6.1f} ms  p95 {p95:6.1f} ms  "
                        f"{len(pdf) / 1024:5.1f} KB  ×{median / floor:4.1f} floor "
                        f"(floor {floor:.1f} ms)"
                    )
                today = date(2026, 11, 30)
                invoices = [
                    billing.create_invoice(
                        ceremony,
                        "other",
                        today + timedelta(days=30),
                        [Line("人前式プラン", 20_000 + n, 1, 10), Line("引菓子", 1_200, 2, 8)],
                        today,
                    )
                    for n in range(INVOICES)
                ]
                db.session.commit()
                data = _statement(invoices)
                start = time.perf_counter()
                imported = billing.import_statement(ceremony.org_id, "bench.csv", data, utcnow())
                db.session.commit()
                elapsed = (time.perf_counter() - start) * 1000
                outcomes: dict[str, int] = {}
                for line in imported.lines:
                    outcomes[line.outcome] = outcomes.get(line.outcome, 0) + 1
                print(
                    f"billing    {label:10} bank statement {STATEMENT_LINES:,} lines "
                    f"({len(data) / 1024:.0f} KB Shift_JIS) against {INVOICES:,} invoices: "
                    f"{elapsed:6.0f} ms  {outcomes}"
                )
            dispose(app)
