"""What's waiting: on the dashboard (in a fixed number of queries) and in a daily e-mail."""

import html
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.mail import start_smtp
from tests.queries import shown, statements_of
from wedding.billing import services as billing
from wedding.billing.models import Acceptance, BankImport, BankLine, BillingProfile, Invoice, Quote
from wedding.billing.money import Line, registration_number_for
from wedding.calendars.models import CalDAVAccount
from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.personas.models import Companion
from wedding.personas.services import save_story
from wedding.tasks.models import Task
from wedding.tasks.services import apply_checklist, create_standard_template
from wedding.vows.models import VowComment, VowVersion
from wedding.waiting.digest import queue_daily_digests


def vows(org_id, ceremony_id, number, approved_by="", lang="ja"):
    version = VowVersion(
        org_id=org_id,
        ceremony_id=ceremony_id,
        role="companion",
        lang=lang,
        number=number,
        text=f"誓い {number}",
        source="builtin",
        approved_at=datetime.now(UTC) if approved_by else None,
        approved_by=approved_by,
    )
    db.session.add(version)
    db.session.flush()
    return version


def money_waiting(ceremony: Ceremony, now: datetime, payer: str = "ヤマダ ハナコ") -> dict:
    """An overdue invoice, a card payment that came in by itself and a bank credit to settle."""
    today = now.date()
    if billing.profile_of(ceremony.org_id) is None:
        db.session.add(
            BillingProfile(
                org_id=ceremony.org_id,
                issuer_name="晴れの日ブライダル株式会社",
                registration_number=registration_number_for("876543210987"),
            )
        )
    item = [Line("引菓子", 1000, 2, 8)]
    overdue = billing.create_invoice(
        ceremony, "other", today - timedelta(days=3), item, today - timedelta(days=20)
    )
    paid = billing.create_invoice(ceremony, "other", today + timedelta(days=30), item, today)
    payment = billing.record_payment(
        paid, 500, "card", today, now, external_ref=f"pi_{ceremony.id}_{paid.id}"
    )
    statement = BankImport(org_id=ceremony.org_id, filename="s.csv", encoding="utf-8")
    db.session.add(statement)
    db.session.flush()
    line = BankLine(
        org_id=ceremony.org_id,
        import_id=statement.id,
        line_no=1,
        booked_on=today,
        amount=7777,
        payer=payer,
        outcome="unmatched",
    )
    db.session.add(line)
    db.session.flush()
    return {"overdue": overdue.id, "payment": payment.id, "line": line.id}


def signed_agreement(ceremony: Ceremony, now: datetime) -> int:
    """The client's signature on the ceremony's quote, as the portal records it."""
    quote = Quote(org_id=ceremony.org_id, ceremony_id=ceremony.id, revision=1, accepted_revision=1)
    db.session.add(quote)
    db.session.flush()
    acceptance = Acceptance(
        org_id=ceremony.org_id,
        quote_id=quote.id,
        revision=1,
        typed_name="佐藤 美咲",
        accepted_at=now,
        document_sha256="0" * 64,
        document="御見積書",
    )
    db.session.add(acceptance)
    db.session.flush()
    return acceptance.id


@pytest.fixture
def busy(app, make_user, make_ceremony):
    """A planner with one of everything waiting."""
    user = make_user(role="planner", name="山田 花子")
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=12)
    ceremony = make_ceremony(
        user.org,
        starts_at=soon,
        planner_id=user.id,
        hold_expires_at=datetime.now(UTC) + timedelta(hours=20),
    )
    with app.app_context():
        first = vows(user.org_id, ceremony.id, 1)
        db.session.add(
            VowComment(
                org_id=user.org_id,
                ceremony_id=ceremony.id,
                version_id=first.id,
                author="client",
                text="もう少し短くしてください",
            )
        )
        approved = vows(user.org_id, ceremony.id, 1, approved_by="client", lang="en")
        template = create_standard_template(user.org_id, "en", "AR")
        apply_checklist(db.session.get(Ceremony, ceremony.id), template)
        db.session.add(
            CalDAVAccount(
                org_id=user.org_id,
                user_id=user.id,
                url="https://cal.example/",
                username="u",
                password_encrypted="x",
                last_error="ConnectionError: refused",
            )
        )
        companion = db.session.get(Companion, ceremony.companion_id)
        story = save_story(companion, "ja", {"how_met": "雨の日の本屋で"}, "client")
        ids = money_waiting(db.session.get(Ceremony, ceremony.id), datetime.now(UTC))
        ids["signed"] = signed_agreement(db.session.get(Ceremony, ceremony.id), datetime.now(UTC))
        db.session.commit()
        ids |= {"approved": approved.id, "first": first.id, "story": story.id}
    return user, ceremony, ids


def test_the_dashboard_lists_what_is_waiting_with_links(web, busy):
    user, ceremony, _ = busy
    web.login(user)
    page = web.get("/").get_data(as_text=True)
    assert "もう少し短くしてください" in page
    assert f"/ceremonies/{ceremony.id}/vows#vow-" in page
    assert "まもなく期限が切れる仮押さえ" in page
    assert "Order the life-size panel or stand" in page  # −45 days: overdue, due today
    assert "ConnectionError: refused" in page
    assert "/calendars/#caldav" in page


def test_answers_payments_and_overdue_invoices_wait_with_links(web, busy):
    user, ceremony, ids = busy
    web.login(user)
    page = web.get("/").get_data(as_text=True)
    # the client's questionnaire answers, linked to the planner's page of them
    assert f"/companions/{ceremony.companion_id}/story/ja" in page
    assert f"/waiting/story/{ids['story']}/handled" in page
    # a card payment received, an overdue invoice (both on the ceremony's money page)
    assert "¥500" in page
    assert f"/waiting/payment/{ids['payment']}/handled" in page
    assert f"/billing/ceremonies/{ceremony.id}#invoices" in page
    assert "期限を過ぎています" in page or "is overdue" in page
    # a bank credit nobody could place, linked to the statement on the money page
    assert "¥7,777" in page
    assert "/billing/#bank" in page
    # the agreement the client signed in the portal, linked to the quote on the money page
    assert "お客様が契約書に署名しました（第1版）" in page
    assert f"/billing/ceremonies/{ceremony.id}#quote" in page
    assert f"/waiting/signed/{ids['signed']}/handled" in page


def test_each_item_disappears_when_handled(app, web, busy):
    user, ceremony, ids = busy
    web.login(user)
    # the comment: a newer version of those vows answers it
    with app.app_context():
        vows(user.org_id, ceremony.id, 2)
        db.session.commit()
    page = web.get("/").get_data(as_text=True)
    assert "もう少し短くしてください" not in page
    # the approval: marked handled by hand
    assert f"/waiting/approval/{ids['approved']}/handled" in page
    web.post(f"/waiting/approval/{ids['approved']}/handled")
    page = web.get("/").get_data(as_text=True)
    assert f"/waiting/approval/{ids['approved']}/handled" not in page
    # the hold: confirmed
    web.post(f"/ceremonies/{ceremony.id}/confirm", {"deposit": ""})
    # the tasks: done or not needed
    with app.app_context():
        task_ids = list(db.session.scalars(db.select(Task.id)))
    for task_id in task_ids:
        web.post(f"/ceremonies/{ceremony.id}/tasks/{task_id}/status", {"status": "skipped"})
    # the push: a later successful push clears the error
    with app.app_context():
        db.session.scalar(db.select(CalDAVAccount)).last_error = None
        db.session.commit()
    # the answers and the payment: marked seen by hand
    web.post(f"/waiting/story/{ids['story']}/handled")
    web.post(f"/waiting/payment/{ids['payment']}/handled")
    # the signed agreement: marked seen by hand
    web.post(f"/waiting/signed/{ids['signed']}/handled")
    # the overdue invoice: cancelled; the bank credit: set aside
    with app.app_context():
        now = datetime.now(UTC)
        billing.cancel_invoice(db.session.get(Invoice, ids["overdue"]), now)
        billing.settle_line(db.session.get(BankLine, ids["line"]), None, now)
        db.session.commit()
    page = web.get("/").get_data(as_text=True)
    assert "Nothing is waiting for you." in page or "対応待ちのものはありません" in page


def test_answers_sent_again_after_the_mark_wait_again(app, web, busy):
    user, ceremony, ids = busy
    web.login(user)
    web.post(f"/waiting/story/{ids['story']}/handled")
    assert f"/waiting/story/{ids['story']}/handled" not in web.get("/").get_data(as_text=True)
    with app.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        save_story(companion, "ja", {"how_met": "雨の日の本屋で、傘を貸してくれた"}, "client")
        db.session.commit()
    page = web.get("/").get_data(as_text=True)
    assert f"/waiting/story/{ids['story']}/handled" in page
    # the planner's own edit of the answers counts as seen
    with app.app_context():
        companion = db.session.get(Companion, ceremony.companion_id)
        save_story(companion, "ja", {"for_guests": "ありがとう"}, f"planner:{user.id}")
        db.session.commit()
    assert f"/waiting/story/{ids['story']}/handled" not in web.get("/").get_data(as_text=True)


def test_the_answers_page_offers_to_take_them_off_what_is_waiting(web, busy):
    user, ceremony, ids = busy
    web.login(user)
    page = web.get(f"/companions/{ceremony.companion_id}/story/ja").get_data(as_text=True)
    assert f'action="/waiting/story/{ids["story"]}/handled"' in page
    web.post(f"/waiting/story/{ids['story']}/handled")
    assert f"/waiting/story/{ids['story']}/handled" not in web.get("/").get_data(as_text=True)


def test_an_overdue_invoice_leaves_when_paid(app, web, busy):
    user, _, ids = busy
    web.login(user)
    with app.app_context():
        invoice = db.session.get(Invoice, ids["overdue"])
        label = invoice.display_number
        billing.record_payment(invoice, invoice.total, "bank", date.today(), datetime.now(UTC))
        db.session.commit()
    page = web.get("/").get_data(as_text=True)
    assert label not in page


def test_marking_another_company_item_is_404(web, busy, make_user):
    _, _, ids = busy
    web.login(make_user())
    assert web.post(f"/waiting/approval/{ids['approved']}/handled").status_code == 404
    assert web.post(f"/waiting/comment/{ids['first']}/handled").status_code == 404
    assert web.post(f"/waiting/story/{ids['story']}/handled").status_code == 404
    assert web.post(f"/waiting/payment/{ids['payment']}/handled").status_code == 404
    assert web.post(f"/waiting/signed/{ids['signed']}/handled").status_code == 404
    assert web.post(f"/waiting/nonsense/{ids['first']}/handled").status_code == 404


def test_the_dashboard_query_count_does_not_grow(app, web, busy, make_ceremony):
    user, _, _ = busy
    app.config["RESPONSE_CACHE"] = False  # count the making of the page, not a cached copy
    web.login(user)
    web.get("/")
    one = len(statements_of(app, lambda: web.get("/")))
    with app.app_context():
        template_id = create_standard_template(user.org_id, "ja", "more").id
        db.session.commit()
    for days in range(20, 26):
        ceremony = make_ceremony(
            user.org,
            starts_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=days),
            planner_id=user.id,
            hold_expires_at=datetime.now(UTC) + timedelta(hours=20),
        )
        with app.app_context():
            from wedding.tasks.models import ChecklistTemplate

            apply_checklist(
                db.session.get(Ceremony, ceremony.id),
                db.session.get(ChecklistTemplate, template_id),
            )
            vows(user.org_id, ceremony.id, 1, approved_by="client")
            record = db.session.get(Ceremony, ceremony.id)
            save_story(record.companion, "en", {"how_met": "online"}, "client")
            money_waiting(record, datetime.now(UTC), payer=f"payer {days}")
            signed_agreement(record, datetime.now(UTC))
            db.session.commit()
    many = statements_of(app, lambda: web.get("/"))
    assert len(many) == one
    # sign-in, upcoming ceremonies, one query per kind of waiting item (10), the digest setting
    assert one <= 15, shown(many)


def test_the_daily_digest_is_sent_once_and_can_be_turned_off(app, web, busy, make_user):
    user, _, _ = busy
    quiet = make_user(org=user.org, role="planner")  # nothing is assigned to them but the
    controller, inbox = start_smtp()  # unassigned tasks: they get a digest too
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        web.login(quiet)
        web.post("/waiting/digest", {"daily": "off"})
        morning = datetime.now(UTC).replace(hour=0)  # 09:00 in Japan
        with app.app_context():
            assert queue_daily_digests(morning - timedelta(hours=3)) == {"queued": 0}  # 06:00
            assert queue_daily_digests(morning) == {"queued": 1}
            db.session.commit()  # the mail job runs when the tick's transaction commits
            assert queue_daily_digests(morning) == {"queued": 0}  # once a day
            db.session.commit()
    finally:
        controller.stop()
    message = inbox.messages[0]
    assert message["To"] == user.email
    body = message.get_content()
    assert "Order the life-size panel or stand" in body
    assert "http://127.0.0.1:5000/ceremonies/" in body  # absolute links from PUBLIC_URL


def test_erasing_the_client_takes_the_marks_on_their_answers_and_vows(app, web, busy):
    from wedding.clients.models import Client
    from wedding.privacy.services import erase_client
    from wedding.waiting.models import HandledMark

    user, ceremony, ids = busy
    web.login(user)
    for kind, ref in (("story", ids["story"]), ("approval", ids["approved"])):
        web.post(f"/waiting/{kind}/{ref}/handled")
    web.post(f"/waiting/payment/{ids['payment']}/handled")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(HandledMark.id))) == 3
        erase_client(db.session.get(Client, ceremony.client_id))
        db.session.commit()
        kinds = list(db.session.scalars(db.select(HandledMark.kind)))
    assert kinds == ["payment"]  # money records stay (and so does the mark on them)


@pytest.mark.parametrize(
    ("lang", "text", "shown"),
    [
        (
            "ja",
            "「明け方まで」を「夜明けまで」に",
            "修正依頼：「『明け方まで』を『夜明けまで』に」",
        ),
        ("en", "“dawn” rather than “morning”", "vows: “‘dawn’ rather than ‘morning’”"),
    ],
)
def test_a_quoted_comment_keeps_its_quotes_inside_the_dashboards(
    app, web, make_user, make_ceremony, lang, text, shown
):
    user = make_user(role="planner")
    ceremony = make_ceremony(user.org)
    with app.app_context():
        version = vows(user.org_id, ceremony.id, 1)
        db.session.add(
            VowComment(
                org_id=user.org_id,
                ceremony_id=ceremony.id,
                version_id=version.id,
                author="client",
                text=text,
            )
        )
        db.session.commit()
    web.login(user)
    web.post("/language", {"language": lang})
    assert shown in html.unescape(web.get("/").get_data(as_text=True))
