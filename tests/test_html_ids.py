"""Every id on a page is unique, also where a page shows several forms: their CSRF tokens
carry none (id="csrf_token" was repeated once per form), and they still work."""

import re
from collections import Counter
from datetime import date
from html.parser import HTMLParser
from types import SimpleNamespace

import lxml.html
import pytest
from flask_wtf import FlaskForm

from tests.conftest import saved
from wedding.billing import services as billing
from wedding.billing.models import BillingProfile, Plan
from wedding.billing.money import Line, registration_number_for
from wedding.ceremonies.models import Ceremony
from wedding.forms import WeddingForm
from wedding.models import db


class IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.ids += [value for name, value in attrs if name == "id"]


def repeated_ids(page: str) -> list[str]:
    collector = IdCollector()
    collector.feed(page)
    return sorted(value for value, count in Counter(collector.ids).items() if count > 1)


@pytest.fixture
def owner(web, make_user):
    user = make_user(role="owner")
    make_user(user.org, role="planner")  # the staff page has a form per member
    web.login(user)
    return user


@pytest.fixture
def ceremony(app, owner, make_ceremony):
    """A held ceremony with a quote to make (a plan) and two invoices to pay or credit."""
    ceremony = make_ceremony(owner.org)
    saved(
        app,
        lambda: BillingProfile(
            org_id=owner.org_id,
            issuer_name="晴れの日ブライダル株式会社",
            registration_number=registration_number_for("876543210987"),
        ),
    )
    saved(app, lambda: Plan(org_id=owner.org_id, kind="plan", name="人前式", unit_price=200_000))
    with app.app_context():
        for kind in ("deposit", "balance"):
            billing.create_invoice(
                db.session.get(Ceremony, ceremony.id),
                kind,
                date(2030, 1, 1),
                [Line("申込金", 10_000, 1, 10)],
                date(2029, 11, 30),
            )
        db.session.commit()
    return ceremony


@pytest.mark.parametrize(
    "url",
    [
        "/ceremonies/{id}",
        "/billing/ceremonies/{id}",
        "/ceremonies/{id}/presentation",
        "/ceremonies/{id}/vows",
        "/ceremonies/{id}/guests/",
        "/ceremonies/{id}/documents",
        "/venues/{venue_id}",
        "/companions/{companion_id}",
        "/staff",
    ],
)
def test_pages_with_several_forms_repeat_no_id(web, ceremony, url):
    ids = {"id": ceremony.id, "venue_id": ceremony.venue_id, "companion_id": ceremony.companion_id}
    response = web.get(url.format(**ids))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('name="csrf_token"') >= 3  # several forms, each with its token
    assert repeated_ids(page) == []


def test_the_vows_link_to_the_voice_settings_lands_on_them(web, ceremony):
    """「声・高さ・速さ」 on the vows page opens the companion's page at its voice settings."""
    vows = lxml.html.fromstring(web.get(f"/ceremonies/{ceremony.id}/vows").get_data(as_text=True))
    (link,) = vows.xpath("//section[@id='voice']//a[contains(@href, '/companions/')]")
    path, anchor = link.get("href").split("#")
    target = lxml.html.fromstring(web.get(path).get_data(as_text=True))
    (landing,) = target.xpath("//*[@id=$anchor]", anchor=anchor)
    assert landing.xpath(".//select[@name='voice']")  # the voice, its pitch and speed
    assert landing.xpath(".//input[@name='voice_pitch']")


def test_a_voice_preview_opens_at_the_preview(web, ceremony, monkeypatch):
    monkeypatch.setattr(
        "wedding.personas.views.enqueue", lambda *_a, **_k: SimpleNamespace(id="j1")
    )
    response = web.post(f"/companions/{ceremony.companion_id}/voice-preview", {"lang": "ja"})
    path, anchor = response.headers["Location"].split("#")
    page = lxml.html.fromstring(web.get(path).get_data(as_text=True))
    (landing,) = page.xpath("//*[@id=$anchor]", anchor=anchor)
    assert landing.xpath(".//form[contains(@action, 'voice-preview')]")


def test_a_token_without_an_id_still_protects_its_form(app, web, ceremony):
    page = lxml.html.fromstring(web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True))
    confirm = page.xpath("//form[contains(@action, '/confirm')]")[0]
    token = confirm.xpath(".//input[@name='csrf_token']")[0]
    assert token.get("id") is None
    action = confirm.get("action")
    assert web.post(action, {"csrf_token": "forged"}, csrf=False).status_code == 400
    assert web.post(action, {"csrf_token": token.get("value")}, csrf=False).status_code == 302
    with app.app_context():
        assert db.session.get(Ceremony, ceremony.id).status == "confirmed"


def test_the_sign_in_token_is_where_scripts_look_for_it(web):
    """bench/http.py and the tests' own sign-in read the token with this pattern."""
    page = web.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert token and 'id="csrf_token"' not in page


def test_every_form_is_a_wedding_form(app):
    """A form made from FlaskForm directly would give its token an id again."""

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {form for form in subclasses(FlaskForm) if form.__module__.startswith("wedding.")}
    assert len(ours) > 40  # the application's forms are all imported by now
    assert {form.__qualname__ for form in ours if not issubclass(form, WeddingForm)} == set()
