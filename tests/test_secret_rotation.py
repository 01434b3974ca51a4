"""A secret key change keeps feed, portal and AR links and stored CalDAV passwords working
while the old key stays in SECRET_KEY_FALLBACKS; conditional GETs follow Werkzeug's rules."""

import pytest

from wedding.calendars import caldav_sync
from wedding.calendars.services import get_or_create_feed
from wedding.clients.models import Client
from wedding.models import db, utcnow
from wedding.portal.services import create_link, link_from_token

OLD, NEW = "the-old-secret-key", "the-new-secret-key"


@pytest.fixture
def feed_path(app, make_org):
    org = make_org()
    app.config["SECRET_KEY"] = OLD
    with app.app_context():
        feed = get_or_create_feed(org.id, "company")
        db.session.commit()
        return f"/feeds/{feed.id}/{feed.token(OLD)}.ics"


def test_links_made_under_the_old_key_work_while_it_is_a_fallback(app, feed_path):
    guest = app.test_client()
    assert guest.get(feed_path).status_code == 200
    app.config.update(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    assert guest.get(feed_path).status_code == 200
    app.config.update(SECRET_KEY_FALLBACKS=[])  # the old key retired: its links stop
    assert guest.get(feed_path).status_code == 404


def test_portal_links_survive_a_key_change(app, make_org, make_client):
    org = make_org()
    client = make_client(org, email="a@example.com")
    app.config["SECRET_KEY"] = OLD
    with app.app_context():
        link = create_link(db.session.get(Client, client.id), None)
        db.session.commit()
        token = link.public_token(OLD)
    app.config.update(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    with app.app_context():
        assert link_from_token(token, utcnow()) is not None
    app.config.update(SECRET_KEY_FALLBACKS=[])
    with app.app_context():
        assert link_from_token(token, utcnow()) is None


def test_stored_caldav_passwords_survive_a_key_change_and_move_to_the_new_key(app):
    app.config["SECRET_KEY"] = OLD
    with app.app_context():
        stored = caldav_sync.encrypt("app-password")
    app.config.update(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    with app.app_context():
        assert caldav_sync.decrypt(stored) == "app-password"
        rotated = caldav_sync.rotate(stored)
    app.config.update(SECRET_KEY_FALLBACKS=[])
    with app.app_context():
        assert caldav_sync.decrypt(rotated) == "app-password"
        with pytest.raises(ValueError, match="SECRET_KEY_FALLBACKS"):
            caldav_sync.decrypt(stored)


def test_a_weak_etag_from_a_gzipping_proxy_still_matches(app, feed_path):
    guest = app.test_client()
    first = guest.get(feed_path)
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    assert guest.get(feed_path, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert guest.get(feed_path, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert guest.get(feed_path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert guest.get(feed_path, headers={"If-None-Match": "*"}).status_code == 304
