"""The client's portal: magic links (copied or e-mailed over real SMTP), what the client sees
and does, and that nothing of anyone else's leaks in."""

import re
from datetime import timedelta

import pytest

from tests.live import free_port
from tests.mail import start_smtp
from wedding.calendars.models import Feed
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.jobs import Job, run_queued
from wedding.models import db, dispose_engines, utcnow
from wedding.personas.cards import read_any
from wedding.personas.services import stories_of
from wedding.portal.models import PortalLink
from wedding.vows.models import VowComment, VowVersion
from wedding.vows.services import save_drafts, share_vow


@pytest.fixture
def smtp(app):
    controller, inbox = start_smtp()
    inbox.port = controller.port
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_FROM="planner@hare.example"
    )
    yield inbox
    controller.stop()


@pytest.fixture
def setup(app, web, make_user, make_client, make_companion, make_ceremony, make_venue):
    user = make_user(role="planner")
    client = make_client(
        user.org,
        full_name="佐藤 美咲",
        preferred_name="美咲",
        email="misaki@example.com",
        language="ja",
    )
    companion = make_companion(
        user.org, client=client, name="レン", how_met="眠れない夜", proposal_words="ずっと一緒に"
    )
    venue = make_venue(user.org, address="岡山県岡山市北区駅元町1-1")
    ceremony = make_ceremony(user.org, venue=venue, companion=companion, notes="STAFF-ONLY-NOTE")
    web.login(user)
    web.post(f"/ceremonies/{ceremony.id}/run-of-show/template", {"template": "chapel"})
    web.post(f"/ceremonies/{ceremony.id}/presentation/create")  # the AR viewer link
    web.post(
        f"/ceremonies/{ceremony.id}/vows/draft", {"role": "companion", "lang": "ja", "seed": "1"}
    )
    with app.app_context():
        first = db.session.scalars(db.select(VowVersion).order_by(VowVersion.id)).first()
    web.post(f"/ceremonies/{ceremony.id}/vows/{first.id}/share", {"action": "share"})
    return user, client, ceremony


def copy_link(web, client) -> str:
    web.post(f"/clients/{client.id}/portal/link")
    page = web.get(f"/clients/{client.id}").get_data(as_text=True)
    return re.search(r'id="portal-link" type="text" readonly value="([^"]+)"', page).group(1)


def path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def open_portal(app, url):
    """A fresh browser (no planner session) opening the link."""
    from tests.conftest import Web

    guest = Web(app)
    response = guest.get(path(url))
    assert response.status_code == 303 and response.headers["Location"].endswith("/portal/")
    return guest


def test_the_client_sees_their_ceremony_and_approves_and_comments(app, web, setup):
    _, client, ceremony = setup
    guest = open_portal(app, copy_link(web, client))
    page = guest.get("/portal/").get_data(as_text=True)
    assert "美咲" in page and "レン" in page and "ようこそ" in page  # in the client's language
    assert "google.com/maps/search" in page and "STAFF-ONLY-NOTE" not in page
    assert re.search(r'class="rokuyo">(大安|友引|先勝|先負|赤口|仏滅)<', page)
    guest.post("/language", {"language": "en", "next": "/portal/"})
    english = guest.get("/portal/").get_data(as_text=True)
    assert re.search(r'class="rokuyo">(Taian|Tomobiki|Sensho|Senbu|Shakku|Butsumetsu)<', english)
    guest.post("/language", {"language": "ja", "next": "/portal/"})
    assert "/ar/" in page  # the AR viewer and its QR code
    with app.app_context():
        version = db.session.scalars(db.select(VowVersion).order_by(VowVersion.id)).first()
    assert "この版を承認" in page and "に代えて、この版を承認" not in page
    guest.post(f"/portal/vows/{version.id}/approve")
    with app.app_context():
        second = db.session.scalars(db.select(VowVersion).order_by(VowVersion.id)).all()[1]
    web.post(f"/ceremonies/{ceremony.id}/vows/{second.id}/share", {"action": "share"})
    after = guest.get("/portal/").get_data(as_text=True)
    others = re.findall(r"第\d+版に代えて、この版を承認", after)
    # Another version of the same vows now says what choosing it does (it replaced the approved
    # one without a word).
    assert others and set(others) == {f"第{version.number}版に代えて、この版を承認"}
    guest.post(f"/portal/vows/{version.id}/comment", {"text": "「眠れない夜」をもう少し詳しく"})
    with app.app_context():
        approved = db.session.get(VowVersion, version.id)
        assert approved.approved_by == "client" and approved.approved_at
        assert db.session.scalars(db.select(VowComment)).one().author == "client"
    planner_view = web.get(f"/ceremonies/{ceremony.id}/vows").get_data(as_text=True)
    assert "「眠れない夜」をもう少し詳しく" in planner_view
    assert "ご本人が承認" in web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)

    ics = guest.get(f"/portal/ceremonies/{ceremony.id}/calendar.ics")
    assert ics.mimetype == "text/calendar" and b"STAFF-ONLY-NOTE" not in ics.data
    guest.post("/portal/calendar/subscribe")
    with app.app_context():
        feed = db.session.scalars(db.select(Feed)).one()
        assert (feed.kind, feed.subject_id) == ("client", client.id)
    page = guest.get("/portal/").get_data(as_text=True)
    feed_url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page).group(1)
    assert b"BEGIN:VEVENT" in app.test_client().get(path(feed_url)).data

    card = guest.get(f"/portal/companions/{ceremony.companion_id}.png")
    assert read_any(card.data).data["name"] == "レン"


def test_issued_documents_and_nothing_of_other_clients(
    app, web, setup, make_client, make_companion, make_ceremony
):
    user, client, ceremony = setup
    web.post(f"/ceremonies/{ceremony.id}/documents/program/issue", {"note": ""})
    other = make_ceremony(
        user.org,
        companion=make_companion(
            user.org, client=make_client(user.org, full_name="他の客"), how_met="夏祭りで会った"
        ),
    )
    web.post(f"/ceremonies/{other.id}/vows/draft", {"role": "companion", "lang": "ja"})
    web.post(f"/ceremonies/{other.id}/documents/program/issue", {"note": ""})
    guest = open_portal(app, copy_link(web, client))
    page = guest.get("/portal/").get_data(as_text=True)
    assert "他の客" not in page
    (own,) = re.findall(r'href="/portal/documents/(\d+).pdf"', page)  # only their own
    assert guest.get(f"/portal/documents/{own}.pdf").mimetype == "application/pdf"
    with app.app_context():
        theirs = db.session.scalars(db.select(VowVersion).filter_by(ceremony_id=other.id)).first()
    web.post(f"/ceremonies/{other.id}/vows/{theirs.id}/share", {"action": "share"})
    assert guest.post(f"/portal/vows/{theirs.id}/approve").status_code == 404
    assert guest.get(f"/portal/ceremonies/{other.id}/calendar.ics").status_code == 404
    other_doc = int(own) + 1
    assert guest.get(f"/portal/documents/{other_doc}.pdf").status_code == 404
    assert guest.get(f"/portal/companions/{other.companion_id}.png").status_code == 404
    assert guest.get(f"/ceremonies/{ceremony.id}").status_code == 302  # not a planner


def test_links_expire_and_stop_at_once(app, web, setup):
    _, client, _ = setup
    url = copy_link(web, client)
    guest = open_portal(app, url)
    assert guest.get("/portal/").status_code == 200
    web.post(f"/clients/{client.id}/portal/revoke")
    assert guest.get("/portal/").headers["Location"].endswith("/portal/request")
    assert guest.get(path(url)).status_code == 404
    fresh = copy_link(web, client)
    with app.app_context():
        link = db.session.scalars(db.select(PortalLink).order_by(PortalLink.id.desc())).first()
        link.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert app.test_client().get(path(fresh)).status_code == 404
    forged = path(fresh).rsplit("-", 1)[0] + "-" + "A" * 43
    assert app.test_client().get(forged).status_code == 404


def test_the_ceremony_page_leads_to_the_clients_portal_links(web, setup):
    _, client, ceremony = setup
    page = web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert f'href="/clients/{client.id}#portal"' in page
    assert 'id="portal"' in web.get(f"/clients/{client.id}").get_data(as_text=True)


def test_one_link_is_counted_as_one(web, setup):
    _, client, _ = setup
    web.post("/language", {"language": "en"})
    copy_link(web, client)
    page = web.get(f"/clients/{client.id}").get_data(as_text=True)
    assert "1 active link; it works until" in page
    done = web.post(f"/clients/{client.id}/portal/revoke", follow_redirects=True)
    assert "1 portal link stopped working." in done.get_data(as_text=True)


def test_the_link_count_reads_right_in_japanese_for_one_and_for_several(web, setup):
    """Japanese has one form for every number: it may not speak of "the newest" of one link."""
    _, client, _ = setup
    web.post("/language", {"language": "ja"})
    copy_link(web, client)
    page = web.get(f"/clients/{client.id}").get_data(as_text=True)
    assert "有効なリンク：1件（期限：" in page
    assert "最新のリンクは" not in page
    copy_link(web, client)
    page = web.get(f"/clients/{client.id}").get_data(as_text=True)
    assert "有効なリンク：2件（期限：" in page and "複数あるときは最新のリンクの期限" in page


def test_the_planner_emails_the_link_over_smtp(app, web, setup, smtp):
    _, client, _ = setup
    page = web.post(f"/clients/{client.id}/portal/send", follow_redirects=True)
    assert "misaki@example.com" in page.get_data(as_text=True)
    (message,) = smtp.messages
    assert message["To"] == "misaki@example.com" and message["Subject"] == "挙式のページ"
    url = re.search(r"http://\S+/portal/enter/\S+", message.get_content()).group(0)
    assert open_portal(app, url).get("/portal/").status_code == 200


def test_without_a_mail_server_the_link_to_copy_is_the_main_button(app, web, setup):
    """No mail server: e-mailing a link cannot work, so its button is off and the page says
    why; making a link to copy is the main action. With one, e-mailing is."""

    def buttons() -> dict[str, str]:
        page = web.get(f"/clients/{client.id}").get_data(as_text=True)
        found = re.findall(r'<button type="submit" class="([^"]*)"([^>]*)>([^<]+)</button>', page)
        return {text: (classes, "disabled" in rest) for classes, rest, text in found}

    _, client, _ = setup
    web.post("/language", {"language": "en"})
    app.config["MAIL_SERVER"] = ""
    shown = buttons()
    assert shown["E-mail a link"] == ("btn", True)
    assert shown["Make a link to copy"] == ("btn btn-primary", False)
    page = web.get(f"/clients/{client.id}").get_data(as_text=True)
    assert "No mail server is configured: copy the link and send it yourself." in page
    app.config["MAIL_SERVER"] = "127.0.0.1"
    shown = buttons()
    assert shown["E-mail a link"] == ("btn btn-primary", False)
    assert shown["Make a link to copy"] == ("btn", False)


def test_a_mail_server_that_is_down_is_said_plainly(app, web, setup):
    """The request only queues the mail; the retries fail and the client's page says why."""
    _, client, _ = setup
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    web.post("/language", {"language": "en"})
    page = web.post(f"/clients/{client.id}/portal/send", follow_redirects=True).get_data(
        as_text=True
    )
    assert "The link could not be sent to misaki@example.com" in page
    assert "Connection refused" in page
    with app.app_context():
        (job,) = db.session.scalars(db.select(Job)).all()
        assert (job.status, job.attempts) == ("failed", 5)  # tried again with backoff first


def test_no_mail_is_sent_inside_the_request(database_url, setup, smtp):
    """Known and unknown addresses get the same work in the request (count, queue one job);
    the mail leaves only when a worker runs the job."""
    from tests.conftest import Web, app_config
    from wedding import create_app

    queued = create_app(
        app_config(
            database_url,
            JOB_QUEUE_URL="memory://",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp.port,
        )
    )
    guest = Web(queued)
    for email in ("misaki@example.com", "nobody@example.com"):
        assert guest.post("/portal/request", {"email": email}).status_code == 200
    assert smtp.messages == []
    with queued.app_context():
        jobs = db.session.scalars(db.select(Job).order_by(Job.created_at)).all()
        assert [(j.name, j.status) for j in jobs] == [
            ("wedding.portal.services.send_requested_links", "queued")
        ] * 2
        assert db.session.scalars(db.select(PortalLink)).all() == []
        # The job carries the ids of the clients found (none for an unknown address), never
        # the address a stranger typed.
        assert [j.args for j in jobs] == [[[setup[1].id]], [[]]]
        db.session.remove()
    assert run_queued(queued) == 3  # two requests, then the one link's mail
    (message,) = smtp.messages
    assert message["To"] == "misaki@example.com"
    with queued.app_context():
        mail_job = db.session.scalar(db.select(Job).where(Job.name.like("%mail_portal_link")))
        assert mail_job.result == {"sent": True, "message_id": message["Message-ID"]}
        kept = [(j.args, j.result, j.reason) for j in db.session.scalars(db.select(Job))]
        assert not re.search(r"misaki|nobody", repr(kept))  # no address in any job's record
        db.session.remove()
        dispose_engines()


def test_a_link_request_queued_with_an_address_still_reaches_the_client(app, setup, smtp):
    """A job queued by the previous version (the address as its argument) is still served."""
    from wedding.portal.services import send_requested_links

    with app.app_context():
        assert send_requested_links(" Misaki@Example.com") == 1
        assert send_requested_links([]) == 0
        db.session.commit()
    (message,) = smtp.messages
    assert message["To"] == "misaki@example.com"


def test_asking_for_a_link_reveals_nothing_and_is_limited(app, setup, smtp):
    from tests.conftest import Web

    guest = Web(app)
    known = guest.post("/portal/request", {"email": "Misaki@Example.com"}).get_data(as_text=True)
    unknown = guest.post("/portal/request", {"email": "nobody@example.com"}).get_data(as_text=True)
    strip = lambda html: re.sub(r'name="csrf_token"[^>]*>', "", html)  # noqa: E731
    assert strip(known) == strip(unknown)
    assert len(smtp.messages) == 1
    for _ in range(6):
        guest.post("/portal/request", {"email": "misaki@example.com"})
    assert len(smtp.messages) == 5  # five in the window, then silence (the answer is the same)


def test_the_client_sees_only_what_the_planner_shared_newest_first(app, web, setup):
    _, client, ceremony = setup
    with app.app_context():
        first, second, third = db.session.scalars(
            db.select(VowVersion).order_by(VowVersion.id)
        ).all()
    guest = open_portal(app, copy_link(web, client))
    page = guest.get("/portal/").get_data(as_text=True)
    assert f'id="vow-{first.id}"' in page
    assert f'id="vow-{second.id}"' not in page and f'id="vow-{third.id}"' not in page
    assert guest.post(f"/portal/vows/{second.id}/approve").status_code == 404
    web.post(f"/ceremonies/{ceremony.id}/vows/{third.id}/share", {"action": "share"})
    page = guest.get("/portal/").get_data(as_text=True)
    assert page.index(f'id="vow-{third.id}"') < page.index(f'id="vow-{first.id}"')
    web.post(f"/ceremonies/{ceremony.id}/vows/{third.id}/share", {"action": "unshare"})
    assert f'id="vow-{third.id}"' not in guest.get("/portal/").get_data(as_text=True)


def test_the_portal_shows_the_companions_vows_first_in_the_clients_language_first(app, web, setup):
    """English came before Japanese for a Japanese client (the groups were sorted by name)."""
    user, client, ceremony = setup
    for role, lang, text in (("client", "ja", "ずっと一緒に。"), ("companion", "en", "Always.")):
        with app.app_context():
            row = db.session.get(Ceremony, ceremony.id)
            (version,) = save_drafts(row, lang, role, [text], "builtin", "", 1, user.id)
            share_vow(version)
            db.session.commit()
    guest = open_portal(app, copy_link(web, client))
    for language, order in (
        ("ja", ["companion-ja", "companion-en", "client-ja"]),
        ("en", ["companion-en", "companion-ja", "client-ja"]),
    ):
        with app.app_context():
            db.session.get(Client, client.id).language = language
            db.session.commit()
        page = guest.get("/portal/").get_data(as_text=True)
        with app.app_context():
            versions = db.session.scalars(db.select(VowVersion)).all()
            shown = sorted(
                (page.index(f'id="vow-{v.id}"'), f"{v.role}-{v.lang}")
                for v in versions
                if f'id="vow-{v.id}"' in page
            )
        groups = [group for i, (_, group) in enumerate(shown) if i == 0 or group != shown[i - 1][1]]
        assert groups == order, language


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_questionnaire_examples_use_the_couples_own_names_in_the_answers_language(
    app, web, make_user, make_client, make_companion, lang
):
    """Every client saw the demo couple's names (美咲 and レン) in the examples; and each tab
    showed the examples of both languages, whichever the answers were to be written in."""
    user = make_user(role="planner")
    client = make_client(user.org, full_name="山本 ひな", preferred_name="ひな", language=lang)
    companion = make_companion(user.org, client=client, name="陽")
    web.login(user)
    web.post("/language", {"language": lang})  # the planner reads the client's language too
    guest = open_portal(app, copy_link(web, client))
    for tab, how_met, for_guests, other in [
        (
            "ja",
            "「眠れない夜に、ひなが陽に初めて話しかけた」",
            "「陽は照れ屋だけど、誰よりも優しい」",
            "“",
        ),
        ("en", "“ひな could not sleep one night and wrote to 陽 first”", "“陽 is shy", "「"),
    ]:
        for page in (
            guest.get(f"/portal/story/{companion.id}/{tab}").get_data(as_text=True),
            web.get(f"/companions/{companion.id}/story/{tab}").get_data(as_text=True),
        ):
            hints = " ".join(re.findall(r'<p class="hint" id="[a-z_]+-hint">([^<]*)</p>', page))
            assert how_met in hints and for_guests in hints and other not in hints, hints
            said = "あったことを名前入りで" if lang == "ja" else "what happened, with your names"
            assert said in hints
        assert {"ja": "例：陽、またはあだ名", "en": "e.g. 陽, or a nickname"}[lang] in hints
        assert not re.search(r"美咲|Misaki|Ren\b|レン[がはくに]", hints)


def test_the_client_answers_the_questionnaire_and_the_planner_sees_it(app, web, setup):
    _, client, ceremony = setup
    guest = open_portal(app, copy_link(web, client))
    url = f"/portal/story/{ceremony.companion_id}/en"
    form = guest.get(url).get_data(as_text=True)
    assert "wrote to レン first" in form  # the example beside the field
    guest.post(
        url,
        {
            "how_met": "Misaki wrote to Ren on a sleepless night",
            "moment_knew": "Ren listened to Misaki until morning",
            "promises": "say good morning every day",
            "client_calls_companion": "Ren",
            "companion_calls_client": "Misaki",
        },
    )
    planner_page = web.get(f"/companions/{ceremony.companion_id}/story/en").get_data(as_text=True)
    assert "Misaki wrote to Ren on a sleepless night" in planner_page
    web.post(
        f"/ceremonies/{ceremony.id}/vows/draft", {"role": "companion", "lang": "en", "seed": "2"}
    )
    with app.app_context():
        english = db.session.scalars(
            db.select(VowVersion).filter_by(lang="en").order_by(VowVersion.number)
        ).all()
    assert len(english) == 3
    assert all("you wrote to me on a sleepless night" in v.text for v in english[:1])
    assert guest.get(f"/portal/story/{ceremony.companion_id + 999}/en").status_code == 404


def test_an_error_in_the_portal_leads_back_to_the_portal(app, web, setup):
    """「ダッシュボードへ戻る」 on a portal page that could not be shown led the client to the
    staff's sign-in."""
    _, client, _ = setup
    guest = open_portal(app, copy_link(web, client))
    response = guest.get("/portal/invoices/999999/pay")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert re.findall(r'<a class="btn" href="([^"]+)">([^<]+)</a>', page) == [
        ("/portal/", "挙式のページへ戻る")
    ]


def test_names_with_markup_are_shown_as_text_in_the_questionnaires_hints(
    app, web, make_user, make_client, make_companion
):
    """A client named <i>美咲</i> was shown in italics in every hint that names the couple:
    Flask-Babel's lazy strings pass as markup (wedding.i18n.LazyText escapes them)."""
    user = make_user(role="planner")
    client = make_client(user.org, full_name="<i>美咲</i>", preferred_name="<i>美咲</i>")
    companion = make_companion(user.org, client=client, name="<b>レン</b>")
    web.login(user)
    for tab in ("ja", "en"):
        page = web.get(f"/companions/{companion.id}/story/{tab}").get_data(as_text=True)
        assert "<i>" not in page and "<b>" not in page
        assert "&lt;i&gt;美咲&lt;/i&gt;" in page and "&lt;b&gt;レン&lt;/b&gt;" in page


def test_a_story_in_the_other_language_is_kept_and_named_as_such(app, web, setup):
    """An English planner's answers on the Japanese page (the companion's page linked only
    there) made Japanese vows of English words: 「わたし stayed up withあなた…」."""
    _, client, ceremony = setup
    english = {"how_met": "Misaki wrote to Ren on a sleepless night", "promises": "listen"}
    planner = web.post(
        f"/companions/{ceremony.companion_id}/story/ja", english, follow_redirects=True
    ).get_data(as_text=True)
    assert "この回答には日本語がありません" in planner and "英語のページに入力" in planner
    guest = open_portal(app, copy_link(web, client))
    japanese = {"how_met": "眠れない夜に美咲がレンに話しかけた", "promises": "毎朝おはようと言う"}
    said = guest.post(
        f"/portal/story/{ceremony.companion_id}/en", japanese, follow_redirects=True
    ).get_data(as_text=True)
    assert "日本語を含む回答は使われません" in said
    # One name in Japanese is enough for the English vows to leave the answer out: so it is
    # named too (the warning judged the share of Japanese letters, the vows any at all).
    mixed = {"how_met": "Misaki wrote to レン on a sleepless night", "promises": "listen"}
    named = guest.post(
        f"/portal/story/{ceremony.companion_id}/en", mixed, follow_redirects=True
    ).get_data(as_text=True)
    assert "日本語を含む回答は使われません" in named
    right = web.post(
        f"/companions/{ceremony.companion_id}/story/en", english, follow_redirects=True
    ).get_data(as_text=True)
    assert "回答を保存しました" in right and "日本語のページ" not in right
    with app.app_context():
        stories = stories_of(ceremony.companion_id)
        assert stories["ja"].how_met == english["how_met"]  # kept, only named
        assert stories["en"].how_met == english["how_met"]


@pytest.mark.parametrize(("language", "first"), [("en", "English"), ("ja", "日本語")])
def test_the_companions_page_opens_the_questionnaire_in_the_clients_language(
    app, web, make_user, make_client, make_companion, language, first
):
    user = make_user(role="planner")
    companion = make_companion(user.org, client=make_client(user.org, language=language))
    web.login(user)
    page = web.get(f"/companions/{companion.id}").get_data(as_text=True)
    button = re.search(r'<a class="btn" href="([^"]+)" hreflang="(\w+)">([^<]+)</a>', page)
    assert button.group(1) == f"/companions/{companion.id}/story/{language}"
    assert button.group(3).endswith(f"({first})")
