"""Checklists counted from the date: templates become tasks that follow the ceremony."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from tests.calendars.test_calendars import feed_url
from tests.conftest import future_day
from tests.guests.test_guests import confirm_steps
from wedding.booking import services as booking
from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.tasks.models import ChecklistTemplate, Task
from wedding.tasks.services import (
    STANDARD,
    TaskError,
    add_task,
    apply_checklist,
    close_task,
    create_standard_template,
    my_tasks,
)

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TOKYO).astimezone(UTC)


@pytest.fixture
def planned(app, make_user, make_ceremony):
    """A planner's ceremony 60 days out, with the standard checklist as a template."""
    user = make_user(role="planner", name="山田 花子")
    day = future_day(60)
    ceremony = make_ceremony(user.org, starts_at=at(day), planner_id=user.id)
    with app.app_context():
        template_id = create_standard_template(user.org_id, "en", "AR ceremony").id
        db.session.commit()
    return user, ceremony, day, template_id


def test_a_checklist_becomes_tasks_due_from_the_date(app_ctx, planned):
    user, ceremony, day, template_id = planned
    ceremony = db.session.get(Ceremony, ceremony.id)
    applied = apply_checklist(ceremony, db.session.get(ChecklistTemplate, template_id))
    db.session.commit()
    assert applied.late == 0
    dues = sorted((t.due_on, t.title) for t in applied.added)
    expected = sorted((day + timedelta(days=offset), en) for offset, _, _, en in STANDARD)
    assert dues == expected
    assert any(due > day for due, _ in dues) and any(due < day for due, _ in dues)
    planner_tasks = [t for t in applied.added if t.role == "planner"]
    assert planner_tasks and all(t.assignee_id == user.id for t in planner_tasks)
    assert all(t.assignee_id is None for t in applied.added if t.role == "ar_operator")
    # applying again adds nothing
    again = apply_checklist(ceremony, db.session.get(ChecklistTemplate, template_id))
    assert again.added == []


def test_offsets_before_today_are_due_today_and_flagged(app, app_ctx, make_user, make_ceremony):
    user = make_user()
    day = future_day(10)  # the −45 and −30 lines have passed already
    ceremony = make_ceremony(user.org, starts_at=at(day))
    template = create_standard_template(user.org_id, "ja", "標準")
    ceremony = db.session.get(Ceremony, ceremony.id)
    now = datetime.now(UTC)
    applied = apply_checklist(ceremony, template, now=now)
    today = now.astimezone(TOKYO).date()
    late = [t for t in applied.added if t.late]
    assert applied.late == len(late) == sum(1 for o, *_ in STANDARD if day + timedelta(o) < today)
    assert late and all(t.due_on == today for t in late)
    assert all(not t.late and t.due_on >= today for t in applied.added if t not in late)


def test_moving_the_ceremony_moves_open_tasks_only(app_ctx, planned):
    _, ceremony, day, template_id = planned
    ceremony = db.session.get(Ceremony, ceremony.id)
    tasks = apply_checklist(ceremony, db.session.get(ChecklistTemplate, template_id)).added
    done = next(t for t in tasks if t.offset_days == -45)
    close_task(done, "done", None)
    db.session.commit()
    done_due = done.due_on
    booking.reschedule(ceremony, ceremony.venue, at(day + timedelta(days=7)), 90)
    db.session.commit()
    db.session.expire_all()
    for task in db.session.scalars(db.select(Task)):
        if task.id == done.id:
            assert task.due_on == done_due
        else:
            assert task.due_on == day + timedelta(days=7 + task.offset_days)


def test_a_new_planner_takes_over_the_planner_tasks(app_ctx, planned, make_user):
    user, ceremony, _, template_id = planned
    other = make_user(org=user.org, role="planner")  # before our transaction begins
    ceremony = db.session.get(Ceremony, ceremony.id)
    apply_checklist(ceremony, db.session.get(ChecklistTemplate, template_id))
    db.session.commit()
    ceremony.planner_id = other.id
    db.session.commit()
    assert my_tasks(user.id, user.org_id) == []
    assert {t.role for t, _ in my_tasks(other.id, user.org_id)} == {"planner"}


def test_add_task_refuses_a_past_day_and_other_company_staff(app_ctx, planned, make_user):
    _, ceremony, day, _ = planned
    stranger = make_user()  # before this test's own transaction takes SQLite's write lock
    ceremony = db.session.get(Ceremony, ceremony.id)
    with pytest.raises(TaskError) as error:
        add_task(ceremony, "Late", date(2000, 1, 1), "planner", None)
    assert error.value.field == "due_on"
    with pytest.raises(TaskError):
        add_task(ceremony, "x", day, "planner", stranger.id)
    task = add_task(ceremony, "Pick up the frame", day - timedelta(days=2), "photographer", None)
    assert task.offset_days == -2


def test_pages_apply_close_and_my_tasks(app, web, planned):
    user, ceremony, _, template_id = planned
    web.login(user)
    response = web.post(f"/ceremonies/{ceremony.id}/tasks/apply", {"template_id": template_id})
    assert response.status_code == 302
    page = web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)
    assert "Order the life-size panel or stand" in page or "等身大パネル" in page
    assert '<html lang="ja">' in page
    assert re.search(r"<td[^>]*>未完了</td>", page)  # not 営業 (a venue's "open")
    again = web.post(
        f"/ceremonies/{ceremony.id}/tasks/apply",
        {"template_id": template_id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "新しいタスクはありません" in again and "0件" not in again
    mine = web.get("/my-tasks").get_data(as_text=True)
    with app.app_context():
        task = db.session.scalar(db.select(Task).where(Task.offset_days == -45))
    assert task.title in mine
    response = web.post(
        f"/ceremonies/{ceremony.id}/tasks/{task.id}/status", {"status": "done", "next": "mine"}
    )
    assert response.headers["Location"].endswith("/my-tasks")
    assert task.title not in web.get("/my-tasks").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Task, task.id).status == "done"
    # bad input: one clear line, nothing saved
    response = web.post(
        f"/ceremonies/{ceremony.id}/tasks/new",
        {"task-title": "X", "task-due_on": "2000-01-01", "task-role": "planner"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(Task).where(Task.title == "X")) is None


def test_a_task_is_removed_only_after_a_question_that_offers_done_instead(app, web, planned):
    user, ceremony, _, template_id = planned
    web.login(user)
    web.post(f"/ceremonies/{ceremony.id}/tasks/apply", {"template_id": template_id})
    with app.app_context():
        task = db.session.scalar(db.select(Task).order_by(Task.due_on, Task.id))
    page = web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)
    steps = {action: (button, question) for button, question, action in confirm_steps(page)}
    remove = f"/ceremonies/{ceremony.id}/tasks/{task.id}/delete"
    assert steps[remove] == (
        "削除",
        f"「{html.escape(task.title)}」を削除しますか？"
        "完了した・不要になっただけなら、削除せずに「完了」か「不要」にしてください（一覧に残ります）。",
    )
    assert page.count(f'action="{remove}"') == 1  # no other way to it
    assert web.post(remove, {}).status_code == 302
    with app.app_context():
        assert db.session.get(Task, task.id) is None


def test_template_pages(app, web, make_user):
    user = make_user(role="planner")
    web.login(user)
    response = web.post("/checklists/standard")
    assert response.status_code == 302
    url = response.headers["Location"]
    template_id = int(url.rstrip("/").split("/")[-1])
    assert (
        web.post(
            f"/checklists/{template_id}/items",
            {"item-title": "Charge glasses", "item-offset_days": "-2", "item-role": "ar_operator"},
        ).status_code
        == 302
    )
    bad = web.post(
        f"/checklists/{template_id}/items",
        {"item-title": "Too far", "item-offset_days": "-5000", "item-role": "planner"},
        follow_redirects=True,
    )
    assert bad.status_code == 200
    page = web.get(url).get_data(as_text=True)
    assert "Charge glasses" in page and "Too far" not in page and "-2" in page


def test_api_tasks_contract(app, planned):
    from wedding.accounts.models import User
    from wedding.accounts.services import create_api_token

    user, ceremony, day, template_id = planned
    with app.app_context():
        apply_checklist(
            db.session.get(Ceremony, ceremony.id), db.session.get(ChecklistTemplate, template_id)
        )
        _, secret = create_api_token(db.session.get(User, user.id), "t")
        db.session.commit()
    response = app.test_client().get(
        f"/api/v1/ceremonies/{ceremony.id}/tasks", headers={"Authorization": f"Bearer {secret}"}
    )
    body = response.get_json()
    assert response.status_code == 200
    assert len(body["tasks"]) == len(STANDARD)
    first = body["tasks"][0]
    assert set(first) == {"id", "title", "due", "done", "assignee"}
    assert first["due"] == (day - timedelta(days=45)).isoformat()
    assert first["done"] is False and first["assignee"] == "山田 花子"
    assert {t["assignee"] for t in body["tasks"]} >= {"ar_operator", "vow_reader"}


def test_open_tasks_appear_in_the_staff_feed(app, web, planned):
    user, ceremony, day, template_id = planned
    web.login(user)
    web.post(f"/ceremonies/{ceremony.id}/tasks/apply", {"template_id": template_id})
    url = feed_url(web, "staff")
    first = app.test_client().get(url)
    calendar = Calendar.from_ical(first.data)
    vobject.readOne(first.data.decode()).validate()
    todos = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("task-")]
    planner_lines = [offset for offset, role, *_ in STANDARD if role == "planner"]
    assert len(todos) == len(planner_lines)
    assert {e.decoded("DTSTART") for e in todos} == {day + timedelta(days=o) for o in planner_lines}
    with app.app_context():
        task = db.session.scalar(db.select(Task).where(Task.offset_days == -45))
    web.post(f"/ceremonies/{ceremony.id}/tasks/{task.id}/status", {"status": "done"})
    second = app.test_client().get(url)
    assert second.headers["ETag"] != first.headers["ETag"]
    assert second.data.count(b"UID:task-") == len(planner_lines) - 1


@pytest.mark.parametrize("typed", ["99999999999999999999", "2147483648", "²"])
def test_a_menu_value_that_is_no_id_is_refused_in_words(app, web, planned, typed):
    """Menus the page fills (staff, checklists) posted with a value no id can be: an overflow
    in the query on SQLite, a database error on PostgreSQL, a 500 either way."""
    user, ceremony, _, _ = planned
    web.login(user)
    applied = web.post(
        f"/ceremonies/{ceremony.id}/tasks/apply", {"template_id": typed}, follow_redirects=True
    )
    assert applied.status_code == 200
    assert "一覧からチェックリストを選んでください" in applied.get_data(as_text=True)
    task = {"task-title": "花束", "task-due_on": "2030-01-01", "task-role": "planner"}
    added = web.post(
        f"/ceremonies/{ceremony.id}/tasks/new",
        task | {"task-assignee_id": typed},
        follow_redirects=True,
    )
    assert added.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Task.id))) == 0
