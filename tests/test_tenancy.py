"""Each planner company sees only its own data: every page and action on another's ids is a 404."""

import io
from datetime import date

import pytest
from PIL import Image

from wedding.billing import services as billing
from wedding.billing.models import Acceptance, BillingProfile, Invoice, Plan
from wedding.billing.money import Line, registration_number_for
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.guests.models import Guest
from wedding.guests.services import add_guest
from wedding.models import db, utcnow
from wedding.personas.models import Companion
from wedding.photos.models import Photo, PhotoLink
from wedding.photos.services import add_photo, new_link
from wedding.tasks.models import ChecklistTemplate, Task
from wedding.tasks.services import apply_checklist, create_standard_template
from wedding.vendors.models import Order, Vendor
from wedding.vendors.services import place_order, save_vendor
from wedding.venues.models import Venue


def _tiny_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 100, 100)).save(out, "JPEG")
    return out.getvalue()


TINY_JPEG = _tiny_jpeg()
RECORD_BLUEPRINTS = {
    "venues": "venue",
    "clients": "client",
    "personas": "companion",
    "ceremonies": "ceremony",
    "booking": "venue",
    "runofshow": "ceremony",
    "calendars": "ceremony",
    "vows": "ceremony",
    "documents": "ceremony",
    "presentation": "ceremony",
    "portal_admin": "client",
    "privacy": "client",
    "billing": "ceremony",
    "tasks": "ceremony",
    "guests": "ceremony",
    "vendors": "vendor",
    "orders": "ceremony",
    "photos": "ceremony",
    "checklists": "checklist",
}
# Money's own records, named by their own URL arguments.
BILLING_ARGS = {"plan_id", "invoice_id", "payment_id", "line_id", "acceptance_id"}


@pytest.fixture
def two_companies(app, make_user, make_ceremony):
    """Company A's planner, and company B with one record of every kind."""
    a = make_user(role="owner")
    b = make_user(role="owner")
    ceremony = make_ceremony(b.org)
    with app.app_context():
        template = create_standard_template(b.org_id, "ja", "B's checklist")
        task = apply_checklist(db.session.get(Ceremony, ceremony.id), template).added[0]
        guest = add_guest(db.session.get(Ceremony, ceremony.id), "B's guest")
        vendor = save_vendor(b.org_id, None, {"kind": "print_shop", "name": "B's printer"})
        order = place_order(
            db.session.get(Ceremony, ceremony.id),
            {
                "vendor_id": vendor.id,
                "what": "panel",
                "print_width_mm": 600,
                "print_height_mm": 1750,
            },
            date(2030, 1, 1),
        )
        photo = add_photo(db.session.get(Ceremony, ceremony.id), TINY_JPEG, "b.jpg")
        link = new_link(db.session.get(Ceremony, ceremony.id), "family")
        db.session.commit()
        checklist_id, vendor_id = template.id, vendor.id
        # ids of the records inside B's ceremony (PostgreSQL's sequences do not restart)
        inner = {
            "task_id": task.id,
            "guest_id": guest.id,
            "order_id": order.id,
            "photo_id": photo.id,
            "link_id": link.id,
            "item_id": template.items[0].id,
        }
    ids = {
        "venue": ceremony.venue_id,
        "client": ceremony.client_id,
        "companion": ceremony.companion_id,
        "ceremony": ceremony.id,
        **billing_records(app, b.org_id, ceremony.id),
        "checklist": checklist_id,
        "vendor": vendor_id,
        **inner,
    }
    return a, b, ids


def billing_records(app, org_id: int, ceremony_id: int) -> dict:
    """Company B's plan, quote with an acceptance, invoice, payment and bank statement line."""
    with app.app_context():
        db.session.add(
            BillingProfile(
                org_id=org_id,
                issuer_name="B",
                registration_number=registration_number_for("1" * 12),
            )
        )
        plan = Plan(org_id=org_id, name="B plan", unit_price=1000, tax_rate=10)
        db.session.add(plan)
        db.session.flush()
        ceremony = db.session.get(Ceremony, ceremony_id)
        quote = billing.save_quote(ceremony, plan, [])
        acceptance = Acceptance(
            org_id=org_id,
            quote_id=quote.id,
            revision=1,
            typed_name="B",
            accepted_at=utcnow(),
            document_sha256="0" * 64,
            document="",
        )
        db.session.add(acceptance)
        invoice = billing.create_invoice(
            ceremony, "other", date(2030, 1, 1), [Line("x", 1000, 1, 10)], date(2026, 1, 1)
        )
        payment = billing.record_payment(invoice, 100, "cash", date(2026, 1, 1), utcnow())
        imported = billing.import_statement(
            org_id, "b.csv", "日付,入金額,摘要\n2026/01/01,5,X\n".encode(), utcnow()
        )
        db.session.commit()
        return {
            "plan_id": plan.id,
            "invoice_id": invoice.id,
            "payment_id": payment.id,
            "line_id": imported.lines[0].id,
            "acceptance_id": acceptance.id,
        }


def record_routes(app):
    """Every URL rule that takes a record id, with its methods: new routes are covered too."""
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint == "api":  # token-only; covered by tests/api/test_api.py
            continue
        if blueprint == "portal":  # the client's own session; covered by tests/portal
            continue
        if rule.arguments & ({"record_id", "venue_id", "ceremony_id"} | BILLING_ARGS):
            yield rule, RECORD_BLUEPRINTS[blueprint], rule.methods - {"HEAD", "OPTIONS"}


def test_every_record_route_is_checked(app):
    routes = list(record_routes(app))
    assert {kind for _, kind, _ in routes} == set(RECORD_BLUEPRINTS.values())
    assert len(routes) >= 20


def test_other_company_records_are_404_everywhere(app, web, two_companies):
    a, _, ids = two_companies
    web.login(a)
    checked = 0
    for rule, kind, methods in record_routes(app):
        values = {
            "record_id": ids[kind],
            "venue_id": ids[kind],
            "ceremony_id": ids[kind],
            "closure_id": 1,
            "item_id": ids["item_id"],
            "version_id": 1,
            "consent_id": 1,
            "kind": "certificate",
            "document_id": 1,
            # an <any(...)> action takes one of its own words (revoke, make, …)
            "action": sorted(getattr(rule._converters.get("action"), "items", ["revoke"]))[0],
            "lang": "ja",
            **{name: ids[name] for name in BILLING_ARGS},
            "task_id": ids["task_id"],
            "guest_id": ids["guest_id"],
            "order_id": ids["order_id"],
            "photo_id": ids["photo_id"],
            "link_id": ids["link_id"],
            "size": "thumb",
            "job_id": "0" * 32,
        }
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        for method in methods:
            if method == "GET":
                response = web.get(url)
            else:
                response = web.post(url, {"name": "Hijacked", "full_name": "Hijacked"})
            assert response.status_code == 404, (method, url)
            checked += 1
    assert checked >= 18
    day = web.get(f"/booking/day/2030-01-01?venue_id={ids['venue']}")
    assert day.status_code == 404
    with app.app_context():
        assert db.session.get(Venue, ids["venue"]).name == "Chapel"
        assert db.session.get(Client, ids["client"]).full_name == "佐藤 美咲"
        assert db.session.get(Ceremony, ids["ceremony"]).archived_at is None
        assert db.session.get(Invoice, ids["invoice_id"]).status == "partially_paid"
        assert db.session.get(Plan, ids["plan_id"]).archived_at is None
        template = db.session.get(ChecklistTemplate, ids["checklist"])
        assert template.name == "B's checklist"
        assert ids["item_id"] in {item.id for item in template.items}
        assert db.session.get(Task, ids["task_id"]).status == "open"
        assert db.session.get(Vendor, ids["vendor"]).name == "B's printer"
        assert db.session.scalar(db.select(Order)).status == "ordered"
        assert db.session.scalar(db.select(Photo)).composite == "none"
        assert db.session.scalar(db.select(PhotoLink)).active
        guest = db.session.scalar(db.select(Guest))
        assert (guest.name, guest.rsvp, guest.active) == ("B's guest", "pending", True)


def test_lists_and_dashboard_show_only_own_records(web, two_companies, make_venue, make_client):
    a, _, _ = two_companies
    make_venue(a.org, name="Our own hall")
    make_client(a.org, full_name="Our own client")
    web.login(a)
    for path, own, foreign in (
        ("/venues/", "Our own hall", "Chapel"),
        ("/clients/", "Our own client", "佐藤 美咲"),
        ("/companions/", "", "レン"),
        ("/ceremonies/", "", "佐藤 美咲"),
        ("/", "", "佐藤 美咲"),
    ):
        page = web.get(path).get_data(as_text=True)
        assert own in page
        assert foreign not in page, path


def test_cannot_attach_another_company_records_to_a_ceremony(app, web, two_companies, make_venue):
    a, _, ids = two_companies
    own_venue = make_venue(a.org, name="Ours")
    web.login(a)
    form = web.get("/ceremonies/new").get_data(as_text=True)
    assert "佐藤 美咲" not in form  # company B's client is not offered
    response = web.post(
        "/ceremonies/new",
        {
            "client_id": ids["client"],
            "companion_id": ids["companion"],
            "venue_id": own_venue.id,
            "date": "2027-04-01",
            "start_time": "11:00",
            "end_time": "12:00",
            "status": "hold",
        },
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Ceremony.id))) == 1  # only B's


def test_cannot_give_a_companion_to_another_company_client(app, web, two_companies):
    a, _, ids = two_companies
    web.login(a)
    response = web.post("/companions/new", {"client_id": ids["client"], "name": "Stray"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(Companion).filter_by(name="Stray")) is None
