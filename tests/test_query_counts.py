"""Round trips per everyday request stay few and do not grow with the company's data.

The hot requests of a planner's day (#20): the dashboard (tested in tests/waiting), a
ceremony's page, the month grid, and the API's availability and holds. Each is counted with a
little data and again with much more; the count must not move, and must stay under its ceiling.
"""

from datetime import UTC, datetime, time, timedelta

import pytest

from tests.conftest import future_day
from tests.queries import shown, statements_of
from wedding.accounts.models import ApiToken, User
from wedding.accounts.services import create_api_token
from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.runofshow.services import apply_template
from wedding.tasks.models import ChecklistTemplate
from wedding.tasks.services import apply_checklist, create_standard_template
from wedding.vows.models import VowVersion

DAY = future_day(40)


@pytest.fixture(autouse=True)
def _uncached(app):
    """Count the making of each response; a cached copy (wedding/freshness.py, tested in
    tests/test_freshness.py) must not hide queries creeping into it."""
    app.config["RESPONSE_CACHE"] = False


def _grow(app, org, make_ceremony, make_companion, make_venue, make_user, count=6):
    """More of everything a ceremony page or a month grid lists: staff, clients with their
    companions, venues, and ceremonies with checklists."""
    for n in range(count):
        make_user(org=org, role="planner")
        companion = make_companion(org, name=f"Companion {n}")
        venue = make_venue(org, name=f"Hall {n}")
        make_ceremony(
            org,
            venue=venue,
            companion=companion,
            starts_at=datetime.combine(DAY, time(1 + n % 5), tzinfo=UTC),
        )


def test_a_ceremony_page_sends_the_same_few_queries_however_much_there_is(
    app, web, make_user, make_ceremony, make_companion, make_venue
):
    owner = make_user(role="owner")
    ceremony = make_ceremony(owner.org)
    with app.app_context():
        record = db.session.get(Ceremony, ceremony.id)
        template = db.session.get(
            ChecklistTemplate, create_standard_template(owner.org_id, "ja", "標準").id
        )
        apply_checklist(record, template)
        apply_template(record, "jinzen")
        db.session.commit()
    web.login(owner)
    path = f"/ceremonies/{ceremony.id}"
    web.get(path)
    few = statements_of(app, lambda: web.get(path))

    _grow(app, owner.org, make_ceremony, make_companion, make_venue, make_user)
    with app.app_context():
        for n in range(1, 5):
            db.session.add(
                VowVersion(
                    org_id=owner.org_id,
                    ceremony_id=ceremony.id,
                    role="companion",
                    lang="ja",
                    number=n,
                    text=f"誓い {n}",
                    source="builtin",
                )
            )
        create_standard_template(owner.org_id, "en", "Standard")
        db.session.commit()
    many = statements_of(app, lambda: web.get(path))
    assert len(many) == len(few), shown(many)
    assert len(many) <= 16, shown(many)


def test_the_month_grid_sends_the_same_few_queries_for_many_venues(
    app, web, make_user, make_ceremony, make_companion, make_venue
):
    owner = make_user(role="owner")
    make_ceremony(owner.org, starts_at=datetime.combine(DAY, time(2), tzinfo=UTC))
    web.login(owner)
    path = f"/booking/?month={DAY:%Y-%m}"
    web.get(path)
    few = statements_of(app, lambda: web.get(path))
    _grow(app, owner.org, make_ceremony, make_companion, make_venue, make_user)
    many = statements_of(app, lambda: web.get(path))
    assert len(many) == len(few), shown(many)
    assert len(many) <= 6, shown(many)
    page = web.get(path).get_data(as_text=True)
    assert "count-free" in page  # the counted free starts still show


def _token(app, user) -> dict:
    with app.app_context():
        _, secret = create_api_token(db.session.get(User, user.id), "counts")
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_availability_reads_in_three_queries_and_records_the_token_use_after_the_response(
    app, make_user, make_venue
):
    user = make_user(role="planner")
    venue = make_venue(user.org)
    headers = _token(app, user)
    client = app.test_client()
    first = DAY.replace(day=1)
    path = f"/api/v1/venues/{venue.id}/availability?from={first}&to={first + timedelta(days=30)}"

    used = statements_of(app, lambda: client.get(path, headers=headers, buffered=True))
    # The token's use is written once the response is done, in its own transaction: the
    # request itself never holds the token's row (every request of an integration uses it).
    updates = [s for s in used if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1 and used[-1] is updates[0], shown(used)
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
        assert token.last_used_at is not None
        last_used = token.last_used_at

    again = statements_of(app, lambda: client.get(path, headers=headers, buffered=True))
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in again), shown(again)
    assert len(again) <= 3, shown(again)  # the token, the venue with its rules, bookings
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
        assert token.last_used_at == last_used  # once a minute is enough


def test_a_hold_through_the_api_sends_a_bounded_number_of_queries(app, make_user, make_venue):
    user = make_user(role="planner")
    venue = make_venue(user.org)
    headers = _token(app, user)
    client = app.test_client()

    def hold(hour: int):
        body = {
            "venue_id": venue.id,
            "start": f"{DAY.isoformat()}T{hour:02d}:00:00+09:00",
            "duration_minutes": 60,
            "status": "hold",
        }
        return lambda: client.post("/api/v1/bookings", json=body, headers=headers, buffered=True)

    statements_of(app, hold(10))
    second = statements_of(app, hold(13))
    writes = [s for s in second if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert len(writes) <= 3, shown(second)
    assert len(second) <= 6, shown(second)  # token, venue with rules, savepoint, insert,
    # release, the company's new data version (wedding/freshness.py)
