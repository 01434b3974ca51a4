"""Every page under a ceremony shows one trail: Ceremonies › the client (by full name, as the
headings call them) › the page's parents."""

import re
from datetime import date

import pytest

from wedding.billing import services as billing
from wedding.billing.money import Line
from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.vows.models import VowVersion

NAME = "ミサ <b>&"  # the client's name is theirs: printed as text, never as markup
ESCAPED = "ミサ &lt;b&gt;&amp;"

# Each page, and the steps its trail takes after the client (Japanese, the planner's default).
PAGES = [
    ("/ceremonies/{c}/guests/", []),
    ("/ceremonies/{c}/documents", []),
    ("/ceremonies/{c}/presentation", []),
    ("/ceremonies/{c}/vows", []),
    ("/ceremonies/{c}/photos/", []),
    ("/ceremonies/{c}/orders/", []),
    ("/billing/ceremonies/{c}", []),
    ("/ceremonies/{c}/run-of-show/new", [("進行表", "/ceremonies/{c}#run-of-show")]),
    ("/ceremonies/{c}/vows/{version}/edit", [("誓いの言葉", "/ceremonies/{c}/vows")]),
    ("/ceremonies/{c}/vows/ai-request", [("誓いの言葉", "/ceremonies/{c}/vows")]),
    ("/billing/ceremonies/{c}/invoices/new", [("見積・請求・入金", "/billing/ceremonies/{c}")]),
    ("/billing/invoices/{invoice}", [("見積・請求・入金", "/billing/ceremonies/{c}")]),
]


@pytest.fixture
def ids(app, web, make_user, make_client, make_companion, make_ceremony):
    """A signed-in planner's ceremony, with one version of its vows and one draft invoice."""
    user = make_user(role="planner")
    web.login(user)
    client = make_client(user.org, full_name=NAME, preferred_name="ミサちゃん")
    ceremony = make_ceremony(user.org, companion=make_companion(user.org, client=client))
    with app.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        version = VowVersion(
            org_id=record.org_id,
            ceremony_id=record.id,
            role="companion",
            lang="ja",
            number=1,
            text="ずっと一緒に。",
            source="builtin",
        )
        db.session.add(version)
        invoice = billing.draft_invoice(
            record, "other", date(2030, 1, 1), [Line("証明書のみ", 8_700, 1, 10)]
        )
        db.session.commit()
        return {"c": record.id, "version": version.id, "invoice": invoice.id}


@pytest.mark.parametrize(("path", "steps"), PAGES, ids=[path for path, _ in PAGES])
def test_a_ceremonys_pages_lead_back_to_the_list_and_the_ceremony(web, ids, path, steps):
    page = web.get(path.format(**ids))
    assert page.status_code == 200
    crumbs = re.findall(r'<p class="crumbs">.*?</p>', page.get_data(as_text=True), re.S)
    trail = (
        f'<p class="crumbs"><a href="/ceremonies/">挙式</a>'
        f' › <a href="/ceremonies/{ids["c"]}">{ESCAPED}</a>'
        + "".join(f' › <a href="{url.format(**ids)}">{label}</a>' for label, url in steps)
        + "</p>"
    )
    assert crumbs == [trail]
