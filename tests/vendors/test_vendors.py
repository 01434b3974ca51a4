"""Vendors with registration numbers; orders per ceremony with the panel's print file."""

import subprocess

import lxml.html
import pytest

from wedding.models import db
from wedding.vendors.models import Order, Vendor
from wedding.vendors.services import VendorError, registration_number


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("T5835678256246", "T5835678256246"),
        ("5-8356-7825-6246", "T5835678256246"),
        ("", ""),
        ("Ｔ９２３４－５６７８－９０１２３", "T9234567890123"),  # typed by a Japanese IME
        ("t 5835 6782 56246", "T5835678256246"),
    ],
)
def test_registration_numbers_are_checked(typed, kept):
    assert registration_number(typed) == kept


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("T2835678256246", "check digit"),
        ("Ｔ２８３５６７８２５６２４６", "check digit"),
        ("T123", "T and 13 digits"),
        ("Tabcdefghijklm", "T and 13 digits"),
    ],
)
def test_wrong_registration_numbers_are_refused_saying_why(typed, why):
    with pytest.raises(VendorError) as refused:
        registration_number(typed)
    assert why in str(refused.value)


def vendor_form(**overrides):
    return {
        "kind": "print_shop",
        "name": "岡山プリント",
        "contact": "田中",
        "email": "",
        "phone": "086-000-0000",
        "lead_time_days": "21",
        "registration_number": "T5835678256246",
        "notes": "",
        **overrides,
    }


def test_vendor_pages_refuse_a_bad_number_and_save_nothing(app, web, make_user):
    user = make_user(role="planner")
    web.login(user)
    bad = web.post("/vendors/new", vendor_form(registration_number="T2835678256246"))
    assert bad.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(Vendor)) is None
    added = web.post("/vendors/new", vendor_form(), follow_redirects=True)
    assert "取引先「岡山プリント」を追加しました。" in added.get_data(as_text=True)  # not 変更を…
    assert "岡山プリント" in web.get("/vendors/").get_data(as_text=True)


def test_an_order_with_its_task_and_print_file(app, web, make_user, make_ceremony, tmp_path):
    from wedding.ceremonies.models import Ceremony
    from wedding.demo import demo_portrait
    from wedding.personas.models import Companion
    from wedding.storage.services import store
    from wedding.tasks.services import apply_checklist, create_standard_template

    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    with app.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        companion.portrait_id = store(user.org_id, demo_portrait(), "image/png", "p.png").id
        companion.artwork_printable = True  # the rights holder allows it
        template = create_standard_template(user.org_id, "en", "AR")
        task = apply_checklist(db.session.get(Ceremony, ceremony.id), template).added[0]
        db.session.commit()
        task_id = task.id
    web.login(user)
    web.post("/vendors/new", vendor_form())
    with app.app_context():
        vendor_id = db.session.scalar(db.select(Vendor.id))
    order = {
        "vendor_id": vendor_id,
        "task_id": task_id,
        "what": "等身大パネル",
        "quantity": "1",
        "cost_yen": "38500",
        "print_width_mm": "600",
        "print_height_mm": "1750",
        "bleed_mm": "3",
    }
    assert web.post(f"/ceremonies/{ceremony.id}/orders/", order).status_code == 302
    bad = web.post(f"/ceremonies/{ceremony.id}/orders/", {**order, "cost_yen": "-1"})
    assert bad.status_code == 200
    # A width without a height was saved as an order with no print file, without a word.
    half = web.post(f"/ceremonies/{ceremony.id}/orders/", {**order, "print_height_mm": ""})
    assert half.status_code == 200
    assert "幅と高さの両方" in half.get_data(as_text=True)
    with app.app_context():
        (saved,) = db.session.scalars(db.select(Order))
        assert (saved.task_id, saved.cost_yen, saved.status) == (task_id, 38500, "ordered")
        order_id = saved.id
    shipped = web.post(
        f"/ceremonies/{ceremony.id}/orders/{order_id}/status",
        {"status": "shipped"},
        follow_redirects=True,
    )
    assert "等身大パネル：発送済み。" in shipped.get_data(as_text=True)  # it said nothing
    page = web.get(f"/ceremonies/{ceremony.id}/orders/").get_data(as_text=True)
    assert "38,500" in page and "等身大パネル" in page
    pdf = web.get(f"/ceremonies/{ceremony.id}/orders/{order_id}/print-file.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert int(pdf.headers["X-Print-DPI"]) > 0
    path = tmp_path / "print.pdf"
    path.write_bytes(pdf.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    size = next(line for line in info.stdout.splitlines() if line.startswith("Page size"))
    width_pt, height_pt = (float(x) for x in size.split(":")[1].split("pts")[0].split(" x "))
    assert round(width_pt / 72 * 25.4) == 606 and round(height_pt / 72 * 25.4) == 1756
    with app.app_context():
        assert db.session.get(Order, order_id).status == "shipped"


def test_an_archived_vendor_leaves_the_list_and_picker_but_keeps_its_orders(
    app, web, make_user, make_ceremony
):
    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    web.login(user)
    web.post("/vendors/new", vendor_form(), follow_redirects=True)  # its notice read there
    web.post(
        "/vendors/new", vendor_form(name="倉敷フレーム", kind="frame_maker"), follow_redirects=True
    )
    with app.app_context():
        vendor_id = db.session.scalar(db.select(Vendor.id).filter_by(name="岡山プリント"))
    order = {"vendor_id": vendor_id, "what": "等身大パネル", "quantity": "1", "cost_yen": "100"}
    order |= {"bleed_mm": "3"}
    assert web.post(f"/ceremonies/{ceremony.id}/orders/", order).status_code == 302
    assert web.post(f"/vendors/{vendor_id}/archive").status_code == 302

    listed = web.get("/vendors/").get_data(as_text=True)
    assert "岡山プリント" not in listed and "倉敷フレーム" in listed
    archived = web.get("/vendors/?archived=1").get_data(as_text=True)
    assert "岡山プリント" in archived and "倉敷フレーム" not in archived
    orders = web.get(f"/ceremonies/{ceremony.id}/orders/").get_data(as_text=True)
    assert f'<option value="{vendor_id}"' not in orders  # gone from the picker
    assert "岡山プリント" in orders  # the order keeps its vendor
    again = web.post(f"/ceremonies/{ceremony.id}/orders/", order)  # a stale form
    assert again.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Order.id))) == 1
        order_id, kept_vendor = db.session.execute(db.select(Order.id, Order.vendor_id)).one()
        assert kept_vendor == vendor_id
    # Correcting the order keeps its archived vendor; it cannot be moved to another archived one.
    edit = f"/ceremonies/{ceremony.id}/orders/{order_id}/edit"
    assert f'<option selected value="{vendor_id}"' in web.get(edit).get_data(as_text=True)
    assert web.post(edit, order | {"cost_yen": "120"}).status_code == 302
    with app.app_context():
        assert db.session.get(Order, order_id).cost_yen == 120
        frames_id = db.session.scalar(db.select(Vendor.id).filter_by(name="倉敷フレーム"))
    web.post(f"/vendors/{frames_id}/archive")
    assert web.post(edit, order | {"vendor_id": frames_id}).status_code == 200
    with app.app_context():
        assert db.session.get(Order, order_id).vendor_id == vendor_id
    web.post(f"/vendors/{frames_id}/restore")

    web.post(f"/vendors/{vendor_id}/restore")
    assert "岡山プリント" in web.get("/vendors/").get_data(as_text=True)
    assert f'<option value="{vendor_id}"' in web.get(f"/ceremonies/{ceremony.id}/orders/").get_data(
        as_text=True
    )


def test_another_company_cannot_archive_a_vendor(app, web, make_user):
    owner = make_user(role="planner")
    web.login(owner)
    web.post("/vendors/new", vendor_form())
    with app.app_context():
        vendor_id = db.session.scalar(db.select(Vendor.id))
    web.logout()
    web.login(make_user(role="planner"))
    assert web.post(f"/vendors/{vendor_id}/archive").status_code == 404
    with app.app_context():
        assert db.session.get(Vendor, vendor_id).archived_at is None


def _order_of(app, web, user, ceremony, **overrides) -> tuple[int, int]:
    """A vendor and an order of 2 frames at ¥12,000 for the ceremony: (vendor id, order id)."""
    web.post("/vendors/new", vendor_form())
    with app.app_context():
        vendor_id = db.session.scalar(db.select(Vendor.id).filter_by(org_id=user.org_id))
    order = {"vendor_id": vendor_id, "what": "額縁", "quantity": "2", "cost_yen": "12000"}
    placed = web.post(f"/ceremonies/{ceremony.id}/orders/", order | {"bleed_mm": "3"} | overrides)
    assert placed.status_code == 302
    with app.app_context():
        return vendor_id, db.session.scalar(db.select(Order.id).filter_by(vendor_id=vendor_id))


def test_an_order_typed_wrong_is_corrected_keeping_its_state(app, web, make_user, make_ceremony):
    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    web.login(user)
    vendor_id, order_id = _order_of(app, web, user, ceremony)
    web.post(f"/ceremonies/{ceremony.id}/orders/{order_id}/status", {"status": "shipped"})
    url = f"/ceremonies/{ceremony.id}/orders/{order_id}/edit"
    form = web.get(url).get_data(as_text=True)
    assert 'value="12000"' in form and 'value="額縁"' in form  # filled from the order
    fixed = {"vendor_id": vendor_id, "what": "額縁（A3）", "quantity": "1", "cost_yen": "6000"}
    fixed |= {"bleed_mm": "3"}
    refused = web.post(url, fixed | {"print_width_mm": "297"})  # a width without a height
    assert refused.status_code == 200 and "幅と高さの両方" in refused.get_data(as_text=True)
    assert web.post(url, fixed | {"cost_yen": "-1"}).status_code == 200
    with app.app_context():
        kept = db.session.get(Order, order_id)
        assert (kept.what, kept.quantity, kept.cost_yen) == ("額縁", 2, 12000)  # nothing half-kept
    saved = web.post(url, fixed, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "額縁（A3）" in page and "6,000" in page and "12,000" not in page
    with app.app_context():
        kept = db.session.get(Order, order_id)
        assert (kept.what, kept.quantity, kept.cost_yen, kept.status) == (
            "額縁（A3）",
            1,
            6000,
            "shipped",
        )


def test_an_order_is_removed_only_behind_its_question(app, web, make_user, make_ceremony):
    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    web.login(user)
    _, order_id = _order_of(app, web, user, ceremony)
    page = web.get(f"/ceremonies/{ceremony.id}/orders/").get_data(as_text=True)
    question = page.split('<details class="confirm-step">')[1].split("</details>")[0]
    assert "「額縁」の発注を削除しますか？費用は合計から外れます。" in question
    assert f'action="/ceremonies/{ceremony.id}/orders/{order_id}/delete"' in question
    removed = web.post(f"/ceremonies/{ceremony.id}/orders/{order_id}/delete", follow_redirects=True)
    text = removed.get_data(as_text=True)
    assert "発注「額縁」を削除しました。" in text and "発注はまだありません" in text
    with app.app_context():
        assert db.session.get(Order, order_id) is None


def test_orders_of_another_company_or_ceremony_cannot_be_changed(
    app, web, make_user, make_ceremony
):
    owner = make_user(role="planner")
    ceremony, other_ceremony = make_ceremony(owner.org), make_ceremony(owner.org)
    web.login(owner)
    vendor_id, order_id = _order_of(app, web, owner, ceremony)
    wrong_ceremony = f"/ceremonies/{other_ceremony.id}/orders/{order_id}"
    assert web.get(f"{wrong_ceremony}/edit").status_code == 404
    assert web.post(f"{wrong_ceremony}/delete").status_code == 404
    web.logout()
    web.login(make_user(role="planner"))
    url = f"/ceremonies/{ceremony.id}/orders/{order_id}"
    assert web.get(f"{url}/edit").status_code == 404
    edit = {"vendor_id": vendor_id, "what": "x", "quantity": "1", "cost_yen": "1", "bleed_mm": "3"}
    assert web.post(f"{url}/edit", edit).status_code == 404
    assert web.post(f"{url}/delete").status_code == 404
    web.logout()
    viewer = make_user(role="viewer", org=owner.org)
    web.login(viewer)
    page = web.get(f"/ceremonies/{ceremony.id}/orders/").get_data(as_text=True)
    assert "発注済み" in page and ">ordered<" not in page  # the state in words, not its code
    assert "/edit" not in page
    assert web.post(f"{url}/delete").status_code == 403
    with app.app_context():
        assert db.session.get(Order, order_id).cost_yen == 12000


@pytest.mark.parametrize("typed", ["99999999999999999999", "2147483648", "²"])
def test_an_order_naming_no_vendor_or_task_is_refused(app, web, make_user, make_ceremony, typed):
    """The vendor and task menus posted with a value no id can be: it was a 500."""
    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    web.login(user)
    vendor_id, _ = _order_of(app, web, user, ceremony)
    order = {
        "vendor_id": vendor_id,
        "what": "台座",
        "quantity": "1",
        "cost_yen": "1",
        "bleed_mm": "3",
    }
    for field in ("vendor_id", "task_id"):
        refused = web.post(f"/ceremonies/{ceremony.id}/orders/", order | {field: typed})
        assert refused.status_code == 200
        (menu,) = lxml.html.fromstring(refused.get_data(as_text=True)).xpath(
            f"//select[@name='{field}']"
        )
        assert menu.get("aria-invalid") == "true"  # the refusal is on that menu
    with app.app_context():
        assert db.session.scalars(db.select(Order.what)).all() == ["額縁"]


def test_the_print_file_asks_the_artwork_rights_and_says_when_it_prints_soft(
    app, web, make_user, make_ceremony
):
    """The print shop's file was made for artwork the companion's page says may not be printed
    (the documents and the AR screen refuse it), and a card's 400 × 600 portrait at 600 × 1750 mm
    (8 dpi) said so only in a response header."""
    from wedding.demo import demo_portrait
    from wedding.personas.models import Companion
    from wedding.storage.services import store

    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    with app.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        companion.portrait_id = store(user.org_id, demo_portrait(), "image/png", "p.png").id
        companion.artwork_printable = False
        db.session.commit()
        companion_id = companion.id
    web.login(user)
    _, order_id = _order_of(app, web, user, ceremony, print_width_mm="600", print_height_mm="1750")
    url = f"/ceremonies/{ceremony.id}/orders/"
    refused = web.get(f"{url}{order_id}/print-file.pdf", follow_redirects=True)
    assert refused.mimetype == "text/html"
    assert "「イラストを印刷してよい」にチェック" in refused.get_data(as_text=True)
    page = web.get(url).get_data(as_text=True)
    assert f"{order_id}/print-file.pdf" not in page
    assert "入稿データはありません" in page
    with app.app_context():
        db.session.get(Companion, companion_id).artwork_printable = True
        db.session.commit()
    pdf = web.get(f"{url}{order_id}/print-file.pdf")
    assert pdf.mimetype == "application/pdf"
    dpi = int(pdf.headers["X-Print-DPI"])
    page = web.get(url).get_data(as_text=True)
    assert dpi < 100 and f"このサイズでは {dpi} dpi" in page and "ぼやけます" in page


def test_the_ceremonies_state_is_in_words_beside_the_orders_own(app, web, make_user, make_ceremony):
    """The orders' state words took the name of the ceremonies' (status_label): the dashboard
    and the portal said "hold" and "confirmed"."""
    user = make_user(role="planner")
    make_ceremony(user.org)
    web.login(user)
    dashboard = web.get("/").get_data(as_text=True)
    assert "仮押さえ" in dashboard and '">hold</span>' not in dashboard
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        labels = app.jinja_env.globals
        assert (labels["status_label"]("hold"), labels["order_status_label"]("shipped")) == (
            "仮押さえ",
            "発送済み",
        )


def test_an_unreadable_portrait_leaves_the_orders_page_standing(app, web, make_user, make_ceremony):
    from wedding.personas.models import Companion
    from wedding.storage.models import StoredFile

    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    with app.app_context():
        broken = StoredFile(
            org_id=user.org_id,
            data=b"\\x89PNG\\r\\n\\x1a\\n broken",
            content_type="image/png",
            filename="p.png",
            sha256="0" * 64,
            size=17,
        )
        db.session.add(broken)
        db.session.flush()
        companion = db.session.get(Companion, ceremony.companion_id)
        companion.portrait_id, companion.artwork_printable = broken.id, True
        db.session.commit()
    web.login(user)
    _, order_id = _order_of(app, web, user, ceremony, print_width_mm="600", print_height_mm="1750")
    page = web.get(f"/ceremonies/{ceremony.id}/orders/")
    assert page.status_code == 200 and "入稿データはありません" in page.get_data(as_text=True)
    refused = web.get(f"/ceremonies/{ceremony.id}/orders/{order_id}/print-file.pdf")
    assert refused.status_code == 302
