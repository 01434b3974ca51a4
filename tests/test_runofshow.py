"""The run of show: from a template, edited, reordered, and moving with the ceremony."""

from datetime import UTC, datetime, timedelta

import lxml.html
import pytest

from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.runofshow.models import RunItem


@pytest.fixture
def ceremony(web, make_user, make_ceremony):
    user = make_user(role="planner")
    web.login(user)
    start = datetime(2031, 4, 5, 2, 0, tzinfo=UTC)  # 11:00 in Tokyo
    return make_ceremony(user.org, starts_at=start)


def items(app, ceremony_id):
    with app.app_context():
        return db.session.scalars(
            db.select(RunItem).where(RunItem.ceremony_id == ceremony_id).order_by(RunItem.position)
        ).all()


def test_apply_a_template_and_see_the_times(app, web, ceremony):
    response = web.post(f"/ceremonies/{ceremony.id}/run-of-show/template", {"template": "jinzen"})
    assert response.status_code == 302
    rows = items(app, ceremony.id)
    assert rows[0].title_ja == "受付・ゲストご着席" and rows[0].offset_minutes == -30
    page = web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert "10:30" in page and "指輪の交換" in page  # 11:00 start, guests at 10:30
    web.post("/language", {"language": "en"})
    assert "Exchange of rings" in web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)


def test_add_edit_move_and_remove(app, web, ceremony):
    base = f"/ceremonies/{ceremony.id}/run-of-show"
    web.post(f"{base}/template", {"template": "photo"})
    added = web.post(
        f"{base}/new",
        {
            "time": "13:15",
            "duration_minutes": "10",
            "title_ja": "乾杯",
            "title_en": "",
            "role": "everyone",
            "notes": "",
        },
    )
    assert added.status_code == 302
    rows = items(app, ceremony.id)
    toast = rows[-1]
    assert (toast.title_ja, toast.offset_minutes) == ("乾杯", 135)
    web.post(f"{base}/{toast.id}/move", {"direction": "up"})
    assert items(app, ceremony.id)[-2].id == toast.id
    web.post(
        f"{base}/{toast.id}",
        {
            "time": "13:30",
            "duration_minutes": "15",
            "title_ja": "乾杯",
            "title_en": "Toast",
            "role": "everyone",
            "notes": "",
        },
    )
    with app.app_context():
        changed = db.session.get(RunItem, toast.id)
        assert (changed.offset_minutes, changed.title_en) == (150, "Toast")
    web.post(f"{base}/{toast.id}/delete")
    assert toast.id not in [r.id for r in items(app, ceremony.id)]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title_ja": "", "title_en": ""}, "少なくとも一つの言語"),
        ({"time": "25:00"}, "HH:MM"),
        ({"time": "02:00"}, "4時間前から12時間後"),
        ({"duration_minutes": "-5"}, "0"),
        ({"role": "dj"}, "選択肢"),
    ],
)
def test_bad_items_are_refused(app, web, ceremony, form, message):
    data = {
        "time": "11:30",
        "duration_minutes": "5",
        "title_ja": "乾杯",
        "title_en": "",
        "role": "planner",
        "notes": "",
        **form,
    }
    response = web.post(f"/ceremonies/{ceremony.id}/run-of-show/new", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert items(app, ceremony.id) == []


@pytest.mark.parametrize(
    ("lang", "starts", "length"),
    [("ja", "開始時刻", "所要時間（分）"), ("en", "Starts at", "Length (minutes)")],
)
def test_an_items_time_and_length_say_what_they_are(web, ceremony, lang, starts, length):
    """A start time beside its length, not 時間 beside 分 (which read as hours and minutes)."""
    web.post("/language", {"language": lang})
    page = lxml.html.fromstring(
        web.get(f"/ceremonies/{ceremony.id}/run-of-show/new").get_data(as_text=True)
    )
    labels = {label.get("for"): label.text_content().strip() for label in page.xpath("//label")}
    assert (labels["time"], labels["duration_minutes"]) == (starts, length)
    # The ceremony page's run of show heads its columns the same way.
    web.post(f"/ceremonies/{ceremony.id}/run-of-show/template", {"template": "chapel"})
    shown = lxml.html.fromstring(web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True))
    heads = [th.text_content() for th in shown.xpath("//table[@class='run']/thead//th")]
    assert (heads[0], heads[3]) == (starts, length)


def test_items_move_with_the_ceremony(app, web, ceremony, make_venue):
    web.post(f"/ceremonies/{ceremony.id}/run-of-show/template", {"template": "chapel"})
    with app.app_context():
        row = db.session.get(Ceremony, ceremony.id)
        row.starts_at += timedelta(hours=3)
        row.ends_at += timedelta(hours=3)
        row.blocked_until += timedelta(hours=3)
        db.session.commit()
    page = web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert "13:30" in page  # guests seated 30 minutes before the new 14:00 start


def test_another_company_cannot_touch_the_run_of_show(app, web, ceremony, make_user):
    web.post(f"/ceremonies/{ceremony.id}/run-of-show/template", {"template": "photo"})
    item = items(app, ceremony.id)[0]
    web.logout()
    web.login(make_user())
    base = f"/ceremonies/{ceremony.id}/run-of-show"
    assert web.post(f"{base}/template", {"template": "jinzen"}).status_code == 404
    assert web.get(f"{base}/{item.id}").status_code == 404
    assert web.post(f"{base}/{item.id}/delete").status_code == 404
    assert len(items(app, ceremony.id)) == 5
