"""Calendars that real parsers accept: the ceremony .ics, Google/Outlook links and feeds."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar

from tests.conftest import Web
from wedding.accounts.models import Organisation
from wedding.calendars.models import Feed
from wedding.ceremonies.models import Ceremony
from wedding.models import db

START = datetime(2031, 4, 5, 2, 0, tzinfo=UTC)  # 11:00 in Tokyo


def parse_everywhere(body: bytes) -> Calendar:
    """icalendar, vobject (validated) and recurring-ical-events must all accept it."""
    calendar = Calendar.from_ical(body)
    for component in calendar.walk():
        assert not getattr(component, "errors", []), component.errors
    parsed = vobject.readOne(body.decode("utf-8"))
    parsed.validate()
    recurring_ical_events.of(calendar).between(START - timedelta(days=1), START + timedelta(days=2))
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # never a split character
    return calendar


@pytest.fixture
def setup(web, make_user, make_venue, make_client, make_companion, make_ceremony):
    user = make_user(role="planner", name="山田 花子")
    venue = make_venue(user.org, name="チャペルホール 白鷺", address="岡山県岡山市北区駅元町1-1")
    client = make_client(user.org, full_name="佐藤 美咲", preferred_name="美咲")
    companion = make_companion(user.org, client=client, name="レン")
    ceremony = make_ceremony(
        user.org,
        venue=venue,
        companion=companion,
        starts_at=START,
        notes="staff-only note",
        planner_id=user.id,
    )
    web.login(user)
    return user, venue, ceremony


def events(calendar):
    return [c for c in calendar.walk("VEVENT")]


def test_ceremony_ics_with_run_of_show(app, web, setup):
    _, _, ceremony = setup
    web.post(f"/ceremonies/{ceremony.id}/run-of-show/template", {"template": "jinzen"})
    response = web.get(f"/ceremonies/{ceremony.id}/calendar.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse_everywhere(response.data)
    main, *items = events(calendar)
    assert str(main["UID"]).startswith(f"ceremony-{ceremony.id}@")
    assert str(main["STATUS"]) == "TENTATIVE"
    assert str(main["SUMMARY"]) == "【仮押さえ】挙式：美咲 ♡ レン"
    assert "岡山県岡山市北区駅元町1-1" in str(main["LOCATION"])
    assert "山田 花子" in str(main["DESCRIPTION"])
    assert main.decoded("DTSTART").isoformat() == "2031-04-05T11:00:00+09:00"
    assert b"DTSTART;TZID=Asia/Tokyo:20310405T110000" in response.data
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert main.walk("VALARM")
    assert len(items) == 11 and str(items[0]["SUMMARY"]).startswith("受付・ゲストご着席")
    assert items[0].decoded("DTSTART").isoformat() == "2031-04-05T10:30:00+09:00"


def test_uid_stays_and_sequence_rises_with_every_change(app, web, setup):
    _, _, ceremony = setup
    first = events(Calendar.from_ical(web.get(f"/ceremonies/{ceremony.id}/calendar.ics").data))[0]
    web.post(f"/ceremonies/{ceremony.id}/confirm", {"deposit": ""})
    second = events(Calendar.from_ical(web.get(f"/ceremonies/{ceremony.id}/calendar.ics").data))[0]
    assert first["UID"] == second["UID"]
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(second["STATUS"]) == "CONFIRMED"
    web.post(f"/ceremonies/{ceremony.id}/run-of-show/template", {"template": "photo"})
    third = events(Calendar.from_ical(web.get(f"/ceremonies/{ceremony.id}/calendar.ics").data))[0]
    assert int(third["SEQUENCE"]) > int(second["SEQUENCE"])


def test_titles_follow_the_reader(app, web, setup):
    _, _, ceremony = setup
    web.post("/language", {"language": "en"})
    main = events(Calendar.from_ical(web.get(f"/ceremonies/{ceremony.id}/calendar.ics").data))[0]
    assert str(main["SUMMARY"]) == "[Hold] Ceremony: 美咲 ♡ レン"


def test_google_and_outlook_links(app, web, setup):
    _, _, ceremony = setup
    page = web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', page).group(1)
    query = parse_qs(urlsplit(google.replace("&amp;", "&")).query)
    assert query["dates"] == ["20310405T020000Z/20310405T033000Z"]
    assert query["ctz"] == ["Asia/Tokyo"]
    assert query["text"] == ["【仮押さえ】挙式：美咲 ♡ レン"]  # Japanese survives the URL encoding
    assert "%E6%8C%99%E5%BC%8F" in google  # 挙式, percent-encoded
    outlook = re.search(r'href="(https://outlook\.live\.com/[^"]+)"', page).group(1)
    query = parse_qs(urlsplit(outlook.replace("&amp;", "&")).query)
    assert query["startdt"] == ["2031-04-05T11:00:00+09:00"]


def feed_url(web, kind, subject_id=0, language="ja"):
    web.post("/calendars/feeds", {"kind": kind, "subject_id": subject_id, "language": language})
    page = web.get("/calendars/" if kind != "client" else f"/clients/{subject_id}").get_data(
        as_text=True
    )
    urls = re.findall(r'value="(http://localhost/feeds/[^"]+\.ics)"', page)
    assert urls, page
    return urls[-1].replace("http://localhost", "")


def test_company_feed_publishes_with_caching_headers(app, web, setup):
    _, _, ceremony = setup
    url = feed_url(web, "company")
    anonymous = app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse_everywhere(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in response.data
    assert b"X-PUBLISHED-TTL:PT1H" in response.data
    etag = response.headers["ETag"]
    assert anonymous.get(url, headers={"If-None-Match": etag}).status_code == 304
    since = response.headers["Last-Modified"]
    assert anonymous.get(url, headers={"If-Modified-Since": since}).status_code == 304
    web.post(f"/ceremonies/{ceremony.id}/confirm", {"deposit": ""})
    changed = anonymous.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert b"STATUS:CONFIRMED" in changed.data


def test_feed_urls_are_secret_revocable_and_regenerable(app, web, setup):
    url = feed_url(web, "company")
    anonymous = app.test_client()
    feed_id = int(url.split("/")[2])
    token = url.split("/")[3].removesuffix(".ics")
    assert len(token) >= 43  # 256 bits in base64url
    assert anonymous.get(f"/feeds/{feed_id}/{token[:-1]}x.ics").status_code == 404
    web.post(f"/calendars/feeds/{feed_id}/regenerate")
    assert anonymous.get(url).status_code == 404
    new_url = feed_url(web, "company")
    assert new_url != url and anonymous.get(new_url).status_code == 200
    web.post(f"/calendars/feeds/{feed_id}/revoke")
    assert anonymous.get(new_url).status_code == 404
    with app.app_context():
        assert "token" not in {c.name for c in Feed.__table__.columns}  # never stored


def test_cancelled_ceremonies_stay_for_30_days(app, web, setup):
    _, venue, ceremony = setup
    url = feed_url(web, "venue", venue.id)
    web.post(f"/ceremonies/{ceremony.id}/cancel")
    body = app.test_client().get(url).data
    assert b"STATUS:CANCELLED" in body
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        row.updated_at = datetime.now(UTC) - timedelta(days=31)
        db.session.commit()
    assert b"VEVENT" not in app.test_client().get(url).data


def test_client_feed_hides_staff_notes_and_staff_feed_shows_only_mine(
    app, web, setup, make_user, make_ceremony, make_venue
):
    user, _, ceremony = setup
    client_url = feed_url(web, "client", ceremony.client_id)
    body = app.test_client().get(client_url).data
    assert b"BEGIN:VEVENT" in body and b"staff-only note" not in body
    assert b"URL:http://localhost/portal/" in body  # the client's own page, not the staff's
    other_hall = make_venue(user.org, name="Other hall")
    make_ceremony(user.org, venue=other_hall, starts_at=START + timedelta(days=3))  # no planner
    mine = app.test_client().get(feed_url(web, "staff")).data
    assert mine.count(b"BEGIN:VEVENT") == 1


def test_a_staff_members_own_feed_ends_with_their_deactivation(app, web, setup, make_user):
    """Deactivating someone ends their own feed with their sign-ins (a feed kept in their
    phone is no way back in); reactivating brings it back. The company's feed is the
    company's: it stays, and the owner is told so."""
    user, _, _ = setup
    mine, company = feed_url(web, "staff"), feed_url(web, "company")
    boss = Web(app)
    boss.login(make_user(org=user.org, role="owner"))
    reader = app.test_client()
    assert reader.get(mine).status_code == 200
    boss.post("/language", {"language": "ja"})
    done = boss.post(f"/staff/{user.id}/deactivate", follow_redirects=True)
    assert "会社・会場・お客様のフィードのアドレスは引き続き使えます" in done.get_data(as_text=True)
    assert reader.get(mine).status_code == 404
    assert reader.get(company).status_code == 200
    boss.post(f"/staff/{user.id}/reactivate")
    assert reader.get(mine).status_code == 200


def test_another_company_cannot_touch_my_feeds(app, web, setup, make_user):
    url = feed_url(web, "company")
    feed_id = int(url.split("/")[2])
    web.logout()
    web.login(make_user())
    assert web.post(f"/calendars/feeds/{feed_id}/revoke").status_code == 404
    assert app.test_client().get(url).status_code == 200


def test_cli_export(app, setup, tmp_path):
    _, _, ceremony = setup
    out = tmp_path / "c.ics"
    result = app.test_cli_runner().invoke(
        args=["calendar", "export", str(ceremony.id), "-o", str(out), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "Ceremony: 美咲 ♡ レン" in str(events(parse_everywhere(out.read_bytes()))[0]["SUMMARY"])


def test_text_escaping_and_folding_round_trip():
    """Our hand-written serializer against icalendar's parser, with the awkward cases."""
    from wedding.calendars.ics import CalendarData, EventData, build_calendar

    tricky = "A;B,C\\D\nE 挙式" + "あ" * 60 + "🎉"
    event = EventData(
        uid="x-1@example",
        summary=tricky,
        description=tricky,
        location="岡山, 日本",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        timezone="Europe/London",
        status="confirmed",
        sequence=3,
        last_modified=START,
        categories=("a,b",),
        alarm_minutes=90,
    )
    body = build_calendar(CalendarData(name="名前;", events=[event], publish=True), START)
    calendar = parse_everywhere(body)
    parsed = events(calendar)[0]
    assert str(parsed["SUMMARY"]) == tricky and str(parsed["DESCRIPTION"]) == tricky
    assert str(parsed["LOCATION"]) == "岡山, 日本"
    assert parsed.decoded("DTSTART") == START  # 03:00 BST
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(parsed.walk("VALARM")[0]["TRIGGER"].to_ical(), "ascii") == "-PT1H30M"


def test_the_ar_viewer_link_travels_with_the_ceremony(app, web, setup):
    _, _, ceremony = setup
    url = feed_url(web, "company")
    anonymous = app.test_client()
    assert b"/ar/" not in web.get(f"/ceremonies/{ceremony.id}/calendar.ics").data
    web.post(f"/ceremonies/{ceremony.id}/presentation/create")
    page = web.get(f"/ceremonies/{ceremony.id}/presentation").get_data(as_text=True)
    link = re.search(r'id="viewer-link" type="text" readonly value="([^"]+)"', page).group(1)
    for body in (web.get(f"/ceremonies/{ceremony.id}/calendar.ics").data, anonymous.get(url).data):
        (main,) = [e for e in events(parse_everywhere(body)) if "item" not in str(e["UID"])]
        assert link in str(main["DESCRIPTION"])
    etag = anonymous.get(url).headers["ETag"]
    web.post(f"/ceremonies/{ceremony.id}/presentation/revoke")
    after = anonymous.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and b"/ar/" not in after.data
    google = web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert "%2Far%2F" not in google


def test_a_feed_shows_a_ceremony_as_its_download_does(app, web, setup):
    """The feed reads plain rows for speed and the download reads the record: same event."""
    _, _, ceremony = setup
    anonymous = app.test_client()
    feed = events(parse_everywhere(anonymous.get(feed_url(web, "company")).data))
    download = events(parse_everywhere(web.get(f"/ceremonies/{ceremony.id}/calendar.ics").data))
    (from_feed,) = feed
    (from_download,) = [e for e in download if "item" not in str(e["UID"])]
    for name in ("UID", "SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "SEQUENCE", "URL"):
        assert str(from_feed[name]) == str(from_download[name]), name
    for name in ("DTSTART", "DTEND", "LAST-MODIFIED"):
        assert from_feed.decoded(name) == from_download.decoded(name), name
    assert "山田 花子" in str(from_feed["DESCRIPTION"])
    assert str(from_feed["LOCATION"]) == "チャペルホール 白鷺, 岡山県岡山市北区駅元町1-1"


RENAMES = {  # what an event shows from outside the ceremony record
    "venue": (lambda ceremony: ceremony.venue, "name", "ガーデンホール"),
    "client": (lambda ceremony: ceremony.client, "preferred_name", "みさき"),
    "companion": (lambda ceremony: ceremony.companion, "name", "蓮"),
    "planner": (lambda ceremony: ceremony.planner, "name", "鈴木 一郎"),
    "company": (lambda ceremony: db.session.get(Organisation, ceremony.org_id), "name", "晴れ"),
}


@pytest.mark.parametrize("what", RENAMES)
def test_a_rename_elsewhere_changes_the_feed_and_its_etag(app, web, setup, what):
    """A calendar asking "changed?" (If-None-Match) must hear yes when a name it shows changes."""
    _, _, ceremony = setup
    url = feed_url(web, "company")
    anonymous = app.test_client()
    etag = anonymous.get(url).headers["ETag"]
    assert anonymous.get(url, headers={"If-None-Match": etag}).status_code == 304
    record, attribute, name = RENAMES[what]
    with app.app_context():
        setattr(record(db.session.get(Ceremony, ceremony.id)), attribute, name)
        db.session.commit()
    after = anonymous.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    (event,) = events(parse_everywhere(after.data))
    assert name in "".join(str(event[p]) for p in ("SUMMARY", "DESCRIPTION", "LOCATION"))


def _offered_language(page: str, kind: str, subject_id: int) -> list[str]:
    picker = re.search(rf'id="lang-{kind}-{subject_id}" name="language">(.*?)</select>', page)
    return re.findall(r'<option value="(\w+)" selected', picker.group(1))


def test_a_clients_feed_speaks_the_clients_language_whoever_makes_it(
    app, web, make_user, make_client
):
    """An English-speaking planner making a Japanese client's feed is offered Japanese (and gets
    it when no language is sent); the planner's own feeds follow the planner's language."""
    user = make_user(role="planner")
    japanese = make_client(user.org, full_name="佐藤 美咲")
    english = make_client(user.org, full_name="Mia Clarke", language="en")
    web.login(user)
    web.post("/language", {"language": "ja"})
    page = web.get(f"/clients/{english.id}").get_data(as_text=True)
    assert _offered_language(page, "client", english.id) == ["en"]
    web.post("/calendars/feeds", {"kind": "company"})
    web.post("/language", {"language": "en"})
    page = web.get(f"/clients/{japanese.id}").get_data(as_text=True)
    assert _offered_language(page, "client", japanese.id) == ["ja"]
    page = web.get("/calendars/").get_data(as_text=True)
    assert _offered_language(page, "staff", user.id) == ["en"]
    for client in (japanese, english):
        web.post("/calendars/feeds", {"kind": "client", "subject_id": client.id})
    web.post("/calendars/feeds", {"kind": "staff"})
    with app.app_context():
        made = {(f.kind, f.subject_id): f.language for f in db.session.scalars(db.select(Feed))}
    assert made == {
        ("client", japanese.id): "ja",
        ("client", english.id): "en",
        ("staff", user.id): "en",
        ("company", 0): "ja",
    }
