"""Guests: invitation links, replies in person / online / no, the count the venue sees."""

import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from unittest.mock import ANY

import pytest

from wedding.ceremonies.models import Ceremony
from wedding.guests.models import Guest
from wedding.guests.services import (
    GuestError,
    add_guest,
    clear_reply,
    record_reply,
    set_stream_url,
)
from wedding.models import db
from wedding.presentation.services import presentation_for


@pytest.fixture
def party(app, make_user, make_venue, make_ceremony):
    user = make_user(role="planner")
    venue = make_venue(user.org, capacity=2)
    ceremony = make_ceremony(user.org, venue=venue)
    return user, ceremony


def invitation_links(web, ceremony_id) -> list[str]:
    page = web.get(f"/ceremonies/{ceremony_id}/guests/").get_data(as_text=True)
    return [
        u.replace("http://localhost", "")
        for u in re.findall(r'value="(http://localhost/rsvp/[^"]+)"', page)
    ]


def confirm_steps(page: str) -> list[tuple[str, str, str]]:
    """(button, question, action) of each change a page puts behind a question."""
    return re.findall(
        r'<details class="confirm-step">\s*<summary[^>]*>(.*?)</summary>\s*<p>(.*?)</p>\s*'
        r'<form method="post" action="([^"]+)"',
        page,
        re.S,
    )


def test_a_guest_is_removed_only_after_a_question_naming_them(app, web, party):
    """One click on 削除 removed a guest with their reply and link; now it asks first."""
    user, ceremony = party
    web.login(user)
    guests = f"/ceremonies/{ceremony.id}/guests/"
    web.post(guests, {"name": "<b>由美</b>"})
    with app.app_context():
        guest_id = db.session.scalar(db.select(Guest.id).where(Guest.ceremony_id == ceremony.id))
    page = web.get(guests).get_data(as_text=True)
    assert confirm_steps(page) == [
        (
            "削除",
            "「&lt;b&gt;由美&lt;/b&gt;」をゲストリストから削除しますか？出欠の返信と招待リンクも消えます。",
            f"{guests}{guest_id}/delete",
        )
    ]
    assert page.count(f'action="{guests}{guest_id}/delete"') == 1  # no other way to it
    assert web.post(f"{guests}{guest_id}/delete", {}).status_code == 302
    with app.app_context():
        assert db.session.get(Guest, guest_id) is None


def test_guest_replies_through_their_link_and_the_count_follows(app, web, party):
    user, ceremony = party
    web.login(user)
    for name in ("由美", "健一"):
        assert web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": name}).status_code == 302
    with app.app_context():
        assert db.session.get(Ceremony, ceremony.id).guest_count == 2
    yumi, _ = invitation_links(web, ceremony.id)
    guest = app.test_client()
    page = guest.get(yumi)
    assert page.status_code == 200 and "由美" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    )
    reply = guest.post(
        yumi, data={"csrf_token": token.group(1), "rsvp": "online", "note": "札幌から"}
    )
    assert reply.status_code == 303
    with app.app_context():
        row = db.session.scalar(db.select(Guest).filter_by(name="由美"))
        assert (row.rsvp, row.note) == ("online", "札幌から")
        assert db.session.get(Ceremony, ceremony.id).guest_count == 1  # online guests do not count
    # a third in person would be one too many for a venue that holds two
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "綾"})
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "里奈"})
    with app.app_context():
        assert db.session.scalar(db.select(Guest).filter_by(name="里奈")) is None
        assert db.session.get(Ceremony, ceremony.id).guest_count == 2


def test_links_are_revocable_and_renewable(app, web, party):
    user, ceremony = party
    web.login(user)
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "由美"})
    (old,) = invitation_links(web, ceremony.id)
    with app.app_context():
        guest_id = db.session.scalar(db.select(Guest.id))
    web.post(f"/ceremonies/{ceremony.id}/guests/{guest_id}/link", {"action": "renew"})
    (new,) = invitation_links(web, ceremony.id)
    assert new != old
    assert app.test_client().get(old).status_code == 404
    web.post(f"/ceremonies/{ceremony.id}/guests/{guest_id}/link", {"action": "revoke"})
    assert invitation_links(web, ceremony.id) == []
    assert app.test_client().get(new).status_code == 404
    assert app.test_client().get("/rsvp/1-forged").status_code == 404


def test_a_reply_after_the_ceremony_gets_a_clear_answer(app, web, make_user, make_ceremony):
    user = make_user()
    ceremony = make_ceremony(
        user.org,
        starts_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=2),
        status="completed",
        hold_expires_at=None,
    )
    with app.app_context():
        guest = Guest(org_id=user.org_id, ceremony_id=ceremony.id, name="遅い人")
        db.session.add(guest)
        db.session.commit()
        url = f"/rsvp/{guest.public_token(app.config['SECRET_KEY'])}"
    client = app.test_client()
    page = client.get(url)
    assert page.status_code == 200
    assert "replies are closed" in page.get_data(as_text=True) or "締め切" in page.get_data(
        as_text=True
    )
    posted = client.post(url, data={"rsvp": "yes"})
    assert posted.status_code in (400, 410)
    with app.app_context():
        assert db.session.scalar(db.select(Guest.rsvp)) == "pending"
        with pytest.raises(GuestError):
            record_reply(
                db.session.get(Ceremony, ceremony.id),
                db.session.scalar(db.select(Guest)),
                "yes",
                "",
            )


def test_online_guests_get_the_stream_and_ar_links_on_the_day(app, make_user, make_ceremony):
    user = make_user()
    today = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    ceremony = make_ceremony(user.org, starts_at=today)
    later = make_ceremony(user.org, starts_at=today + timedelta(days=20))
    with app.app_context():
        urls = {}
        for c in (ceremony, later):
            row = db.session.get(Ceremony, c.id)
            presentation_for(row)
            set_stream_url(row, "https://stream.example/live/abc")
            guest = add_guest(row, "綾")
            record_reply(row, guest, "online", "")
            urls[c.id] = f"/rsvp/{guest.public_token(app.config['SECRET_KEY'])}"
        db.session.commit()
    same_day = app.test_client().get(urls[ceremony.id]).get_data(as_text=True)
    other_day = app.test_client().get(urls[later.id]).get_data(as_text=True)
    # the venue's day may be tomorrow in Tokyo when the test runs late in the UTC day
    if "https://stream.example/live/abc" in same_day:
        assert "/ar/" in same_day
    assert "https://stream.example/live/abc" not in other_day


def test_api_guests_contract(app, party):
    from wedding.accounts.models import User
    from wedding.accounts.services import create_api_token

    user, ceremony = party
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        yes = add_guest(row, "由美")
        record_reply(row, yes, "yes", "")
        add_guest(row, "健一")
        _, secret = create_api_token(db.session.get(User, user.id), "t")
        db.session.commit()
        first = yes.id
    response = app.test_client().get(
        f"/api/v1/ceremonies/{ceremony.id}/guests", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.get_json() == {
        "guests": [
            {"id": first, "name": "由美", "rsvp": "yes"},
            {"id": first + 1, "name": "健一", "rsvp": "pending"},
        ]
    }


def test_an_invitation_link_works_until_the_days_chosen_after_the_ceremony(app, web, party):
    user, ceremony = party
    web.login(user)
    form = web.get(f"/ceremonies/{ceremony.id}/guests/").get_data(as_text=True)
    assert 'name="link_days_after"' in form and 'value="7"' in form  # the default, offered
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "由美", "link_days_after": "2"})
    for bad in ("91", "-1", "x"):
        answer = web.post(
            f"/ceremonies/{ceremony.id}/guests/",
            {"name": "健一", "link_days_after": bad},
            follow_redirects=True,
        )
        assert answer.status_code == 200
    with app.app_context():
        (guest,) = db.session.scalars(db.select(Guest))  # nothing added from a bad number
        assert guest.link_days_after == 2
        guest_id = guest.id
        ends_at = db.session.get(Ceremony, ceremony.id).ends_at
    (url,) = invitation_links(web, ceremony.id)
    client = app.test_client()
    with app.app_context():
        from wedding.guests.services import guest_from_token

        token = url.rsplit("/", 1)[1]
        assert guest_from_token(token, ends_at + timedelta(days=2) - timedelta(minutes=1))
        assert guest_from_token(token, ends_at + timedelta(days=2)) is None
    assert client.get(url).status_code == 200  # before the ceremony
    # a new link may be given another lifetime; out of bounds it is refused and nothing changes
    web.post(
        f"/ceremonies/{ceremony.id}/guests/{guest_id}/link",
        {"action": "renew", "link_days_after": "95"},
    )
    assert invitation_links(web, ceremony.id) == [url]
    web.post(
        f"/ceremonies/{ceremony.id}/guests/{guest_id}/link",
        {"action": "renew", "link_days_after": "30"},
    )
    with app.app_context():
        assert db.session.get(Guest, guest_id).link_days_after == 30
    # the ceremony is long past: the link says clearly that it no longer works
    with app.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        record.starts_at -= timedelta(days=90)
        record.ends_at -= timedelta(days=90)
        record.blocked_until -= timedelta(days=90)
        record.status, record.hold_expires_at = "completed", None
        db.session.commit()
    (renewed,) = invitation_links(web, ceremony.id)
    assert client.get(renewed).status_code == 404


def test_the_link_lifetime_is_bounded_in_the_service(app, party):
    _, ceremony = party
    with app.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        with pytest.raises(GuestError):
            add_guest(record, "x", link_days=91)
        assert add_guest(record, "y").link_days_after == 7


def test_the_planners_reply_picker_starts_on_no_answer(app, web, party):
    """A guest who has not answered is not shown as coming: saving the untouched picker would
    have recorded "Yes, in person" for them."""
    user, ceremony = party
    web.login(user)
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "由美"})
    with app.app_context():
        guest = db.session.scalar(db.select(Guest).filter_by(name="由美"))
    page = web.get(f"/ceremonies/{ceremony.id}/guests/").get_data(as_text=True)
    picker = re.search(rf'<select name="rsvp" id="rsvp-{guest.id}" required>(.*?)</select>', page)
    selected = re.findall(r'<option value="([^"]*)" selected', picker.group(1))
    assert selected == ["pending"]
    web.post(f"/ceremonies/{ceremony.id}/guests/{guest.id}/reply", {"rsvp": "pending"})
    with app.app_context():
        assert db.session.get(Guest, guest.id).rsvp == "pending"
    web.post(f"/ceremonies/{ceremony.id}/guests/{guest.id}/reply", {"rsvp": ""})
    with app.app_context():
        assert db.session.get(Guest, guest.id).rsvp == "pending"
    web.post(f"/ceremonies/{ceremony.id}/guests/{guest.id}/reply", {"rsvp": "no"})
    page = web.get(f"/ceremonies/{ceremony.id}/guests/").get_data(as_text=True)
    picker = re.search(rf'<select name="rsvp" id="rsvp-{guest.id}" required>(.*?)</select>', page)
    assert re.findall(r'<option value="([^"]*)" selected', picker.group(1)) == ["no"]


def test_the_planner_can_take_a_mistaken_reply_back(app, web, party):
    """An answer typed in by mistake goes back to "not answered yet": no reply time, and the
    guest counts in person again (an unanswered guest may still come)."""
    user, ceremony = party
    web.login(user)
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "由美"})
    with app.app_context():
        guest_id = db.session.scalar(db.select(Guest.id).filter_by(name="由美"))
    web.post(f"/ceremonies/{ceremony.id}/guests/{guest_id}/reply", {"rsvp": "no"})
    with app.app_context():
        guest = db.session.get(Guest, guest_id)
        assert guest.rsvp == "no" and guest.responded_at is not None
        assert db.session.get(Ceremony, ceremony.id).guest_count == 0
    page = web.get(f"/ceremonies/{ceremony.id}/guests/").get_data(as_text=True)
    picker = re.search(rf'<select name="rsvp" id="rsvp-{guest_id}" required>(.*?)</select>', page)
    assert '<option value="pending">' in picker.group(1)  # offered, not disabled
    web.post(f"/ceremonies/{ceremony.id}/guests/{guest_id}/reply", {"rsvp": "pending"})
    with app.app_context():
        guest = db.session.get(Guest, guest_id)
        assert (guest.rsvp, guest.responded_at) == ("pending", None)
        assert db.session.get(Ceremony, ceremony.id).guest_count == 1


def test_taking_a_reply_back_is_the_planners_alone(app, party):
    """The service: an answer is never "pending"; clearing one recounts and keeps the venue's
    limit; the guest's own page neither offers nor accepts "not answered"."""
    _, ceremony = party
    with app.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        guest = add_guest(record, "由美")
        with pytest.raises(GuestError):
            record_reply(record, guest, "pending", "")
        record_reply(record, guest, "online", "札幌から")
        for name in ("健一", "綾"):
            add_guest(record, name)  # the venue (two in person) is now full
        db.session.commit()
        with pytest.raises(GuestError):
            clear_reply(record, guest)  # a third in person would be one too many
        db.session.rollback()
        guest = db.session.scalar(db.select(Guest).filter_by(name="由美"))
        assert guest.rsvp == "online"
        url = f"/rsvp/{guest.public_token(app.config['SECRET_KEY'])}"
    client = app.test_client()
    page = client.get(url).get_data(as_text=True)
    assert 'value="pending"' not in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post(url, data={"csrf_token": token, "rsvp": "pending"})
    assert answer.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(Guest.rsvp).filter_by(name="由美")) == "online"


class _Labels(HTMLParser):
    """The page's labels (their ``for``, classes and text) and its inputs' attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: dict[str, tuple[str, str]] = {}
        self.inputs: list[dict] = []
        self._label: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._label = {"for": attrs.get("for"), "class": attrs.get("class") or "", "text": ""}
        elif tag == "input":
            self.inputs.append(attrs)

    def handle_data(self, data):
        if self._label is not None:
            self._label["text"] += data

    def handle_endtag(self, tag):
        if tag == "label" and self._label is not None:
            self.labels[self._label["for"]] = (self._label["class"], self._label["text"].strip())
            self._label = None


@pytest.mark.parametrize(
    ("lang", "words", "reply_of"),
    [
        ("ja", "リンクの有効期間（式の後の日数）", "{}様の返事"),
        ("en", "Link lifetime (days after the ceremony)", "Reply of {}"),
    ],
)
def test_each_guests_boxes_have_labels_that_say_whose(app, web, party, lang, words, reply_of):
    """The number beside a guest's link is named for a screen reader and for the eye; each
    reply picker is named after its guest (a screen reader heard "Reply" on every row)."""
    user, ceremony = party
    web.login(user)
    web.post("/language", {"language": lang})
    for name in ("由美", "健一"):
        web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": name})
    parsed = _Labels()
    parsed.feed(web.get(f"/ceremonies/{ceremony.id}/guests/").get_data(as_text=True))
    boxes = [i for i in parsed.inputs if i.get("name") == "link_days_after" and i.get("id")]
    boxes = [i for i in boxes if i["id"].startswith("days-")]  # one a guest, not the add form's
    assert len(boxes) == 2
    for box in boxes:
        classes, text = parsed.labels[box["id"]]
        assert "visually-hidden" not in classes.split()
        assert text == words
    with app.app_context():
        guests = db.session.execute(db.select(Guest.id, Guest.name)).all()
    assert sorted(parsed.labels[f"rsvp-{i}"][1] for i, _ in guests) == sorted(
        reply_of.format(name) for _, name in guests
    )


def test_the_guests_own_note_outlives_the_planners_answers(app, web, party):
    """A note is the guest's words: the planner's answer and taking it back leave it, and the
    guest's page offers it again to change (a blank box, sent back, erased it)."""
    user, ceremony = party
    web.login(user)
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "由美"})
    (link,) = invitation_links(web, ceremony.id)
    guest = app.test_client()
    page = guest.get(link).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    note = "車椅子で伺います <b>"
    guest.post(link, data={"csrf_token": token, "rsvp": "yes", "note": note})
    with app.app_context():
        guest_id = db.session.scalar(db.select(Guest.id))
    for answer in ("online", "pending"):
        assert web.post(
            f"/ceremonies/{ceremony.id}/guests/{guest_id}/reply", {"rsvp": answer}
        ).status_code in (302, 303)
        with app.app_context():
            row = db.session.get(Guest, guest_id)
            assert (row.rsvp, row.note) == (answer, note)
    assert "車椅子で伺います &lt;b&gt;" in web.get(f"/ceremonies/{ceremony.id}/guests/").get_data(
        as_text=True
    )
    again = guest.get(link).get_data(as_text=True)
    box = re.search(r'<textarea[^>]*name="note"[^>]*>(.*?)</textarea>', again, re.S)
    assert box.group(1).strip() == "車椅子で伺います &lt;b&gt;"


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("ja", "白鷺ホール、岡山県岡山市北区駅元町1-1"),
        ("en", "白鷺ホール, 岡山県岡山市北区駅元町1-1"),
    ],
)
def test_the_invitation_names_the_venue_and_its_address_in_the_readers_punctuation(
    app, web, make_user, make_venue, make_ceremony, lang, line
):
    user = make_user(role="planner")
    venue = make_venue(user.org, name="白鷺ホール", address="岡山県岡山市北区駅元町1-1")
    ceremony = make_ceremony(user.org, venue=venue)
    web.login(user)
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "由美"})
    (link,) = invitation_links(web, ceremony.id)
    page = app.test_client().get(link, headers={"Accept-Language": lang}).get_data(as_text=True)
    assert line in page


@pytest.mark.parametrize(
    ("lang", "choose", "replies"),
    [
        (
            "ja",
            "ご出欠をお選びください。",
            {
                "yes": "お返事：会場で出席します。挙式までは変更できます。",
                "online": "お返事：オンラインで参加します。挙式までは変更できます。",
                "no": "お返事：欠席します。挙式までは変更できます。",
            },
        ),
        (
            "en",
            "Please choose your answer.",
            {
                "yes": "Your reply: Yes, in person. You can change it until the ceremony.",
                "online": "Your reply: Yes, online. You can change it until the ceremony.",
                "no": "Your reply: No, I cannot come. You can change it until the ceremony.",
            },
        ),
    ],
)
def test_the_guest_is_asked_to_choose_and_reads_their_answer_as_a_sentence(
    app, web, party, lang, choose, replies
):
    user, ceremony = party
    web.login(user)
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "由美"})
    (link,) = invitation_links(web, ceremony.id)
    guest = app.test_client()
    headers = {"Accept-Language": lang}
    page = guest.get(link, headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    unchosen = guest.post(link, headers=headers, data={"csrf_token": token, "note": ""})
    assert unchosen.status_code == 422
    assert choose in unchosen.get_data(as_text=True)
    assert "Not a valid choice" not in unchosen.get_data(as_text=True)
    for answer, sentence in replies.items():
        guest.post(link, headers=headers, data={"csrf_token": token, "rsvp": answer})
        page = html.unescape(guest.get(link, headers=headers).get_data(as_text=True))
        assert sentence in page


def test_the_planners_guest_count_stands_until_guests_are_listed_and_is_never_lost_silently(
    app, web, make_user, make_venue, make_ceremony
):
    """The planner typed 12. Adding the first guest makes the count the list's (1): the
    guests page says so and names the 12; the ceremony page shows the count as the list's,
    not to be typed over, with the way to the list; saving the ceremony keeps it."""
    from lxml.html import fromstring

    from tests.conftest import future_day
    from wedding.ceremonies.services import venue_instant

    user = make_user(role="planner")
    day = future_day(30)
    ceremony = make_ceremony(
        user.org,
        venue=make_venue(user.org, capacity=60),
        starts_at=venue_instant(day, datetime.min.time().replace(hour=11), "Asia/Tokyo"),
        guest_count=12,
    )
    web.login(user)
    edit = f"/ceremonies/{ceremony.id}"

    def count_box():
        return fromstring(web.get(edit).get_data(as_text=True)).get_element_by_id("guest_count")

    assert (count_box().get("value"), count_box().get("disabled")) == ("12", None)

    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "由美"})
    page = web.get(f"/ceremonies/{ceremony.id}/guests/").get_data(as_text=True)
    assert "挙式のゲスト数はこれからこのゲストリストに従います：1名（これまでは12名）" in page

    box = count_box()
    assert (box.get("value"), box.get("disabled")) == ("1", "disabled")
    hint = box.getparent().getparent().get_element_by_id("guest_count-from-list")
    assert hint.xpath("a/@href") == [f"/ceremonies/{ceremony.id}/guests/"]

    # Saving the ceremony (the disabled box sends nothing) keeps the list's count.
    response = web.post(
        edit,
        {
            "client_id": ceremony.client_id,
            "companion_id": ceremony.companion_id,
            "venue_id": ceremony.venue_id,
            "planner_id": "",
            "date": day.isoformat(),
            "start_time": "11:00",
            "duration_minutes": "90",
            "notes": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Ceremony, ceremony.id).guest_count == 1

    # A second guest: the count follows, with no second notice.
    web.post(f"/ceremonies/{ceremony.id}/guests/", {"name": "健一"})
    page = web.get(f"/ceremonies/{ceremony.id}/guests/").get_data(as_text=True)
    assert "これまでは" not in page
    with app.app_context():
        assert db.session.get(Ceremony, ceremony.id).guest_count == 2


@pytest.mark.parametrize(
    ("typed", "capacity_after", "left", "notice"),
    [
        (12, 60, 12, "挙式のゲスト数は、挙式のページで入力した数（12名）に戻りました。"),
        (None, 60, None, None),
        (12, 1, None, "入力されていた12名は、会場「<>&会場」の現在の定員（1名）を超えています"),
    ],
    ids=["typed-comes-back", "none-typed", "no-longer-fits"],
)
def test_removing_the_last_guest_gives_back_the_number_the_planner_typed(
    app, web, make_user, make_venue, make_ceremony, typed, capacity_after, left, notice
):
    """The planner typed 12, listed guests to try the list, and removed them: the count is 12
    again, and the page says so; not 0 (the empty list's), which lost the 12. A number the
    venue no longer holds is not given back but named, to be typed again. Removing a guest
    is never refused for the venue's size, even when the list is already above it."""
    from wedding.venues.models import Venue

    user = make_user(role="planner")
    venue = make_venue(user.org, capacity=60, name="<>&会場")
    ceremony = make_ceremony(user.org, venue=venue, guest_count=typed)
    web.login(user)
    guests = f"/ceremonies/{ceremony.id}/guests/"
    for name in ("由美", "健一"):
        web.post(guests, {"name": name})
    with app.app_context():
        db.session.get(Venue, venue.id).capacity = capacity_after  # a smaller venue since
        listed = db.session.scalars(db.select(Guest.id).where(Guest.ceremony_id == ceremony.id))
        first, second = listed.all()
        db.session.commit()
    assert web.post(f"{guests}{first}/delete", {}).status_code == 302
    with app.app_context():
        assert db.session.get(Ceremony, ceremony.id).guest_count == 1  # one is still listed
    web.post(f"{guests}{second}/delete", {})
    with app.app_context():
        assert db.session.get(Ceremony, ceremony.id).guest_count == left
    page = web.get(guests).get_data(as_text=True)
    assert ("「&lt;&gt;&amp;会場」" in page) == (capacity_after == 1)  # named, escaped once
    page = html.unescape(page)
    notices = re.findall(r'<div class="flash flash-\w+"[^>]*>(.*?)</div>', page, re.S)
    assert [n for n in notices if "ゲストリストが空" in n] == ([] if notice is None else [ANY])
    if notice is not None:
        assert notice in page
    if left is None:  # nothing known: the page does not claim a typed number
        assert "入力したゲスト数（" not in page
    # Listed again: the count follows the list, and the next emptying gives back nothing
    # older than what the planner types from now on.
    web.post(guests, {"name": "由美"})
    with app.app_context():
        assert db.session.get(Ceremony, ceremony.id).guest_count == 1


def test_a_guest_can_still_decline_when_the_list_is_above_a_smaller_venue(app, party):
    """The ceremony moved to a smaller venue (two places) while four were listed: a decline
    and a removal lower the count and are taken; a guest more in person is still refused."""
    from wedding.guests.services import remove_guest
    from wedding.venues.models import Venue

    _, ceremony = party
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        db.session.get(Venue, row.venue_id).capacity = 10
        listed = [add_guest(row, name) for name in ("由美", "健一", "真央", "翔")]
        db.session.get(Venue, row.venue_id).capacity = 2
        the_day_before = row.starts_at - timedelta(days=1)
        record_reply(row, listed[0], "no", now=the_day_before)
        assert row.guest_count == 3
        remove_guest(row, listed[1])
        assert row.guest_count == 2
        with pytest.raises(GuestError):
            record_reply(row, listed[0], "yes", now=the_day_before)
        db.session.rollback()


def test_erasing_the_client_lets_the_typed_count_go_with_the_list(
    app, make_user, make_client, make_companion, make_ceremony
):
    """The list's count stays (a number of people, nothing of the client); the number typed
    before the list is kept only while a list counts, so it goes with it: nothing later
    hands back an old estimate."""
    from wedding.clients.models import Client
    from wedding.guests.models import GuestList
    from wedding.privacy.services import erase_client

    user = make_user(role="planner")
    client = make_client(user.org)
    companion = make_companion(user.org, client=client)
    ceremony = make_ceremony(user.org, companion=companion, guest_count=12)
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        add_guest(row, "由美")
        db.session.commit()
        assert db.session.get(GuestList, ceremony.id).typed_guest_count == 12
        erase_client(db.session.get(Client, client.id))
        db.session.commit()
        assert db.session.get(GuestList, ceremony.id).typed_guest_count is None
        assert db.session.get(Ceremony, ceremony.id).guest_count == 1
