"""A planner's one-off invoice (kind "other"): typed items → draft → review → issue, numbered
only at issue; bad input is a form error that writes nothing; a draft can be deleted."""

import pytest

from wedding.billing.models import Invoice, InvoiceLine
from wedding.models import db


def _form(*rows, due="2030-01-15"):
    data = {"due": due}
    for index, (description, price, quantity, rate) in enumerate(rows):
        data[f"items-{index}-description"] = description
        data[f"items-{index}-unit_price"] = price
        data[f"items-{index}-quantity"] = quantity
        data[f"items-{index}-tax_rate"] = rate
    return data


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(model.id)))


def test_draft_review_issue_and_delete(app, web, billed):
    user, ceremony = billed
    web.login(user)
    new = f"/billing/ceremonies/{ceremony.id}/invoices/new"
    assert web.get(new).status_code == 200
    response = web.post(new, _form(("引菓子", "1200", "12", "8"), ("AR眼鏡", "5000", "", "10")))
    assert response.status_code == 303
    with app.app_context():
        draft = db.session.scalar(db.select(Invoice))
        assert (draft.kind, draft.status, draft.number) == ("other", "draft", None)
        assert [(li.quantity, li.tax_rate) for li in draft.lines] == [(12, 8), (1, 10)]
        draft_id = draft.id
    assert response.headers["Location"].endswith(f"/billing/invoices/{draft_id}")
    review = web.get(f"/billing/invoices/{draft_id}").get_data(as_text=True)
    # 14,400 at 8 % (tax 1,152) + 5,000 at 10 % (tax 500) = 21,052
    assert "引菓子 ※" in review and "¥21,052" in review and "下書き" in review
    assert web.get(f"/billing/invoices/{draft_id}.pdf").status_code == 404  # no number yet

    # a second draft, deleted: it takes no number, so the next issued one follows without gap
    web.post(new, _form(("撮影追加", "3000", "1", "10")))
    with app.app_context():
        second_id = db.session.scalar(db.select(db.func.max(Invoice.id)))
    assert web.post(f"/billing/invoices/{second_id}/cancel").status_code == 303
    with app.app_context():
        assert db.session.get(Invoice, second_id) is None

    assert web.post(f"/billing/invoices/{draft_id}/issue").status_code == 303
    again = web.post(f"/billing/invoices/{draft_id}/issue", follow_redirects=True)
    with app.app_context():
        issued = db.session.get(Invoice, draft_id)
        assert (issued.status, issued.display_number) == ("issued", "INV-000001")
        assert issued.total == 21_052
        assert issued.registration_number and issued.issue_date is not None
    assert "INV-000002" not in again.get_data(as_text=True)  # issuing twice takes no number
    assert web.get(f"/billing/invoices/{draft_id}.pdf").data.startswith(b"%PDF")
    page = web.get(f"/billing/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert "INV-000001" in page


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("引菓子", "1200", "-1", "8")], "数量は1以上の整数で入れてください。"),
        ([("引菓子", "1200", "1", "5")], "税率は10、8、0パーセントのいずれかです。"),
        ([("引菓子", "1200", "1", "ten")], "税率は10、8、0パーセントのいずれかです。"),
        ([("引菓子", "-100", "1", "10")], "価格は0円以上の整数で入れてください。"),
        ([("", "1200", "1", "10")], "各明細に品目名が必要です。"),
        ([("引菓子", "", "1", "10")], "価格は0円以上の整数で入れてください。"),
        ([("", "", "1", "10")], "明細を1行以上入れてください。"),
        ([("引菓子", "abc", "1", "10")], ""),
    ],
)
def test_bad_items_are_form_errors_and_write_nothing(app, web, billed, rows, expected):
    user, ceremony = billed
    web.login(user)
    response = web.post(f"/billing/ceremonies/{ceremony.id}/invoices/new", _form(*rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and expected in page
    assert "引菓子" in page or not rows[0][0]  # what was typed is kept
    assert _count(app, Invoice) == 0 and _count(app, InvoiceLine) == 0


def test_csrf_roles_and_other_companies(app, web, billed, make_user):
    user, ceremony = billed
    new = f"/billing/ceremonies/{ceremony.id}/invoices/new"
    web.login(user)
    assert web.post(new, _form(("x", "1", "1", "10")), csrf=False).status_code == 400
    web.post(new, _form(("x", "1", "1", "10")))
    with app.app_context():
        draft_id = db.session.scalar(db.select(Invoice.id))
    web.logout()
    stranger = make_user(role="owner")  # another company
    web.login(stranger)
    assert web.get(new).status_code == 404
    assert web.get(f"/billing/invoices/{draft_id}").status_code == 404
    assert web.post(f"/billing/invoices/{draft_id}/issue").status_code == 404
    web.logout()
    viewer = make_user(org=user.org, role="viewer")
    web.login(viewer)
    assert web.post(f"/billing/invoices/{draft_id}/issue").status_code == 403
    with app.app_context():
        assert db.session.get(Invoice, draft_id).status == "draft"


def test_issue_without_invoice_details_says_so(app, web, make_user, make_ceremony):
    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    web.login(user)
    web.post(f"/billing/ceremonies/{ceremony.id}/invoices/new", _form(("x", "100", "1", "10")))
    with app.app_context():
        draft_id = db.session.scalar(db.select(Invoice.id))
    page = web.post(f"/billing/invoices/{draft_id}/issue", follow_redirects=True)
    assert "登録番号" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Invoice, draft_id).status == "draft"
