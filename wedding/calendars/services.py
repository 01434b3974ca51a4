"""What goes into calendars: ceremonies and their run of show as events, and the feeds."""

import hashlib
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_
from sqlalchemy.orm import aliased

from wedding.accounts.models import Organisation, User
from wedding.accounts.services import company_name, is_active_member
from wedding.calendars.ics import CalendarData, EventData
from wedding.calendars.models import Feed
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.erasure import ClientScope, eraser, rowcount
from wedding.models import aware_utc, db, raw_timestamp
from wedding.personas.models import Companion
from wedding.presentation.models import Presentation
from wedding.presentation.services import calendar_viewer_url, viewer_url_maker
from wedding.runofshow.models import RunItem
from wedding.runofshow.services import item_start, items_of
from wedding.tasks.models import Task
from wedding.tasks.services import OPEN_CEREMONY
from wedding.urls import public_url
from wedding.venues.models import Venue

IN_FEEDS = ("hold", "confirmed", "completed")
GONE = ("cancelled", "expired")
KEEP_CANCELLED = timedelta(days=30)
HELD = ("hold", "draft", "waitlisted")  # titled "[Hold] …"
ALARM_MINUTES = 24 * 60


def _couple(ceremony: Ceremony) -> str:
    client = ceremony.client.display_name if ceremony.client else _("No client yet")
    companion = ceremony.companion.name if ceremony.companion else ""
    return f"{client} ♡ {companion}" if companion else client


class CeremonyRow(NamedTuple):
    """What a calendar event shows of a ceremony: read from a feed's query, or from a record."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    sequence: int | None
    updated_at: datetime
    notes: str
    venue_name: str
    address: str
    timezone: str
    client: str | None
    companion: str | None
    planner_name: str | None
    planner_email: str | None

    @classmethod
    def of(cls, ceremony: Ceremony) -> "CeremonyRow":
        venue, planner = ceremony.venue, ceremony.planner
        return cls(
            ceremony.id,
            ceremony.starts_at,
            ceremony.ends_at,
            ceremony.status,
            ceremony.sequence,
            ceremony.updated_at,
            ceremony.notes,
            venue.name,
            venue.address,
            venue.timezone,
            ceremony.client.display_name if ceremony.client else None,
            ceremony.companion.name if ceremony.companion else None,
            planner.name if planner else None,
            planner.email if planner else None,
        )


class Wording(NamedTuple):
    """An event's fixed words in the current locale, translated once for a whole feed."""

    title: str
    held: str
    no_client: str
    planner: str
    wedding: str
    ar_line: str
    order: str
    task: str
    task_category: str

    @classmethod
    def current(cls, company: str) -> "Wording":
        return cls(
            _("Ceremony: %(couple)s"),
            _("[Hold] %(title)s"),
            _("No client yet"),
            _("Planner: %(company)s") % {"company": company},
            _("Wedding"),
            _("AR presentation: %(url)s"),
            _("Order of ceremony:"),
            _("To do: %(title)s (%(couple)s)"),
            _("Task"),
        )


def row_event(
    row: CeremonyRow,
    words: Wording,
    domain: str,
    url: str,
    private: bool,
    ar_url: str,
    order: tuple[str, ...] = (),
) -> EventData:
    """The ceremony as an event (``private``: with the staff notes; ``order``: the run of
    show as lines for the description, for the client's one event)."""
    couple = row.client or words.no_client
    if row.companion:
        couple = f"{couple} ♡ {row.companion}"
    title = words.title % {"couple": couple}
    if row.status in HELD:
        title = words.held % {"title": title}
    lines = [row.venue_name, words.planner]
    if row.planner_email:
        lines.append(f"{row.planner_name or row.planner_email} <{row.planner_email}>")
    if ar_url:
        lines.append(words.ar_line % {"url": ar_url})
    if private and row.notes:
        lines.append(row.notes)
    if order:
        lines += ["", words.order, *order]
    return EventData(
        uid=f"ceremony-{row.id}@{domain}",
        summary=title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        timezone=row.timezone,
        status=row.status,
        sequence=row.sequence or 0,
        last_modified=row.updated_at,
        location=f"{row.venue_name}, {row.address}" if row.address else row.venue_name,
        description="\n".join(lines),
        url=url,
        categories=(words.wedding,),
        alarm_minutes=ALARM_MINUTES,
        alarm_text=title,
    )


def ceremony_event(
    ceremony: Ceremony,
    domain: str,
    company: str,
    url: str = "",
    private: bool = True,
    ar_url: str = "",
) -> EventData:
    """The ceremony as an event, titled in the current locale (see force_locale); the client's
    (not ``private``) carries the order of the ceremony in its description."""
    words = Wording.current(company)
    order = () if private else order_lines(ceremony, str(get_locale() or "ja")[:2])
    return row_event(CeremonyRow.of(ceremony), words, domain, url, private, ar_url, order)


def order_lines(ceremony: Ceremony, lang: str) -> tuple[str, ...]:
    """The run of show as "10:30 開式の辞" lines in the venue's local time."""
    zone = ZoneInfo(ceremony.venue.timezone)
    return tuple(
        f"{item_start(ceremony, item).astimezone(zone):%H:%M} {item.title(lang)}"
        for item in items_of(ceremony)
    )


def item_event(ceremony: Ceremony, item: RunItem, lang: str, domain: str) -> EventData:
    start = item_start(ceremony, item)
    return EventData(
        uid=f"ceremony-{ceremony.id}-item-{item.id}@{domain}",
        summary=f"{item.title(lang)} ({_couple(ceremony)})",
        starts_at=start,
        ends_at=start + timedelta(minutes=item.duration_minutes),
        timezone=ceremony.venue.timezone,
        status=ceremony.status,
        sequence=ceremony.sequence or 0,
        last_modified=max(item.updated_at, ceremony.updated_at),
        location=ceremony.venue.name,
        description=item.notes,
    )


def ceremony_calendar(
    ceremony: Ceremony, lang: str, domain: str, url: str = "", private: bool = True
) -> CalendarData:
    """One ceremony for an .ics download. Staff (``private``) get the notes and every item of
    the run of show as its own event; the client gets one event whose description holds the
    order of the ceremony."""
    with force_locale(lang):
        ar_url = calendar_viewer_url(ceremony)
        company = company_name(ceremony.org_id)
        events = [ceremony_event(ceremony, domain, company, url, private, ar_url=ar_url)]
        if private:
            events += [item_event(ceremony, item, lang, domain) for item in items_of(ceremony)]
        name = _("Ceremony: %(couple)s", couple=_couple(ceremony))
    return CalendarData(name=name, events=events)


# --- feeds ---------------------------------------------------------------------------------


def feed_language(org_id: int, kind: str, subject_id: int, maker_lang: str) -> str:
    """The language a new feed speaks when none is chosen: a client's feed speaks the client's
    language (they read it); the others speak that of the one who makes the feed."""
    if kind == "client":
        language = db.session.scalar(
            db.select(Client.language).where(Client.id == subject_id, Client.org_id == org_id)
        )
        if language is not None:
            return language
    return maker_lang


def get_or_create_feed(org_id: int, kind: str, subject_id: int = 0, lang: str = "ja") -> Feed:
    feed = db.session.scalar(
        db.select(Feed).filter_by(org_id=org_id, kind=kind, subject_id=subject_id)
    )
    if feed is None:
        feed = Feed(
            org_id=org_id,
            kind=kind,
            subject_id=subject_id,
            language=lang,
        )
        db.session.add(feed)
        db.session.flush()
    return feed


def feed_is_live(feed: Feed) -> bool:
    """A staff member's own feed serves only while they are active in the feed's company:
    deactivating someone ends it with their sign-ins and API tokens (and reactivating them
    brings it back). Other feeds belong to the company and are revoked or renewed by hand."""
    return feed.kind != "staff" or is_active_member(feed.subject_id, feed.org_id)


def regenerate(feed: Feed) -> Feed:
    """A new URL; the old one answers 404 from now on."""
    feed.renew()
    db.session.flush()
    return feed


def revoke(feed: Feed) -> Feed:
    feed.revoke()
    db.session.flush()
    return feed


def _feed_filter(feed: Feed, now: datetime):
    conditions = [
        Ceremony.org_id == feed.org_id,
        Ceremony.archived_at.is_(None),
        or_(
            Ceremony.status.in_(IN_FEEDS),
            Ceremony.status.in_(GONE) & (Ceremony.updated_at >= now - KEEP_CANCELLED),
        ),
    ]
    if feed.kind == "venue":
        conditions.append(Ceremony.venue_id == feed.subject_id)
    elif feed.kind == "client":
        conditions.append(Ceremony.client_id == feed.subject_id)
    elif feed.kind == "staff":
        conditions.append(Ceremony.planner_id == feed.subject_id)
    return conditions


def feed_version(feed: Feed, now: datetime) -> tuple[str, datetime | None]:
    """(ETag, Last-Modified) from one query, so that a 304 costs almost nothing.

    The tag covers everything the feed's events show: its ceremonies, and the newest change to
    the company's venues, clients, companions, staff, AR links and name (a renamed venue or a
    revoked AR link changes the events without touching a ceremony)."""
    related = [
        db.select(func.max(model.updated_at)).where(model.org_id == feed.org_id)
        for model in (Venue, Client, Companion, User, Presentation)  # each an index's last entry
    ]
    related.append(db.select(Organisation.updated_at).where(Organisation.id == feed.org_id))
    if feed.kind == "staff":  # their tasks too (a removed task lowers the count)
        related.append(db.select(func.max(Task.updated_at)).where(Task.org_id == feed.org_id))
    tasks = db.select(func.count(Task.id)).where(Task.org_id == feed.org_id)
    count, sequences, task_count, newest, *changes = db.session.execute(
        db.select(
            func.count(Ceremony.id),
            func.sum(Ceremony.sequence),
            tasks.scalar_subquery() if feed.kind == "staff" else 0,
            func.max(Ceremony.updated_at),
            *(query.scalar_subquery() for query in related),
        ).where(*_feed_filter(feed, now))
    ).one()
    moments = [aware_utc(moment) for moment in (newest, *changes) if moment is not None]
    key = ":".join(
        str(part)
        for part in (
            feed.id,
            feed.nonce,
            feed.language,
            count,
            sequences,
            task_count,
            now.date(),
            *moments,
        )
    )
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"', max(moments, default=None)


def feed_calendar(
    feed: Feed, domain: str, name: str, now: datetime, ceremony_url: str
) -> CalendarData:
    """The feed's ceremonies; cancelled ones stay (as CANCELLED) for 30 days.

    Feeds can hold thousands of events: one Core query with the joins, no ORM objects.
    ``ceremony_url`` is a format string for the staff page, e.g. ".../ceremonies/{}"."""
    client, companion, venue, planner, shown = (
        aliased(Client),
        aliased(Companion),
        aliased(Venue),
        aliased(User),
        aliased(Presentation),
    )
    query = (
        db.select(
            Ceremony.id,
            raw_timestamp(Ceremony.starts_at),
            raw_timestamp(Ceremony.ends_at),
            Ceremony.status,
            Ceremony.sequence,
            raw_timestamp(Ceremony.updated_at),
            Ceremony.notes,
            venue.name,
            venue.address,
            venue.timezone,
            func.coalesce(func.nullif(client.preferred_name, ""), client.full_name),
            companion.name,
            planner.name,
            planner.email,
            shown.id,
            shown.nonce,
        )
        .join(venue, venue.id == Ceremony.venue_id)
        .outerjoin(client, client.id == Ceremony.client_id)
        .outerjoin(companion, companion.id == Ceremony.companion_id)
        .outerjoin(planner, planner.id == Ceremony.planner_id)
        .outerjoin(shown, (shown.ceremony_id == Ceremony.id) & shown.revoked_at.is_(None))
        .where(*_feed_filter(feed, now))
        .order_by(Ceremony.starts_at)
    )
    private = feed.kind != "client"  # clients see neither staff notes nor staff pages
    with force_locale(feed.language):
        words = Wording.current(company_name(feed.org_id))
    viewer = viewer_url_maker()
    portal = public_url("portal.home")  # clients open their ceremony in the portal
    events = []
    for values in db.session.connection().execute(query).all():
        row = CeremonyRow(
            values[0],
            aware_utc(values[1]),
            aware_utc(values[2]),
            values[3],
            values[4],
            aware_utc(values[5]),
            *values[6:14],
        )
        url = ceremony_url.format(row.id) if private else portal
        ar_url = viewer(values[14], values[15]) if values[14] else ""
        events.append(row_event(row, words, domain, url, private, ar_url))
    if feed.kind == "staff":
        events += task_events(feed, words, domain, ceremony_url)
    return CalendarData(name=name, events=events, publish=True)


def task_events(feed: Feed, words: Wording, domain: str, ceremony_url: str) -> list[EventData]:
    """A staff member's open tasks as all-day entries on their due dates."""
    client, companion, venue = aliased(Client), aliased(Companion), aliased(Venue)
    query = (
        db.select(
            Task.id,
            Task.title,
            Task.due_on,
            raw_timestamp(Task.updated_at),
            Ceremony.id,
            venue.timezone,
            func.coalesce(func.nullif(client.preferred_name, ""), client.full_name),
            companion.name,
        )
        .join(Ceremony, Ceremony.id == Task.ceremony_id)
        .join(venue, venue.id == Ceremony.venue_id)
        .outerjoin(client, client.id == Ceremony.client_id)
        .outerjoin(companion, companion.id == Ceremony.companion_id)
        .where(
            Task.org_id == feed.org_id,
            Task.assignee_id == feed.subject_id,
            Task.status == "open",
            Ceremony.archived_at.is_(None),
            Ceremony.status.in_(OPEN_CEREMONY),
        )
        .order_by(Task.due_on, Task.id)
    )
    events = []
    for (
        task_id,
        title,
        due,
        updated,
        ceremony_id,
        tz,
        client_name,
        companion_name,
    ) in db.session.execute(query).all():
        couple = client_name or words.no_client
        if companion_name:
            couple = f"{couple} ♡ {companion_name}"
        day = datetime.combine(due, datetime.min.time(), tzinfo=ZoneInfo(tz))
        events.append(
            EventData(
                uid=f"task-{task_id}@{domain}",
                summary=words.task % {"title": title, "couple": couple},
                starts_at=day,
                ends_at=day + timedelta(days=1),
                timezone=tz,
                status="confirmed",
                # rises with every change of the task (minutes since 2020: an integer that grows)
                sequence=max(0, int(aware_utc(updated).timestamp() - 1_577_836_800) // 60),
                last_modified=aware_utc(updated),
                url=ceremony_url.format(ceremony_id),
                categories=(words.task_category,),
                all_day=True,
            )
        )
    return events


@eraser(order=10)
def erase_client_feeds(scope: ClientScope) -> dict[str, int]:
    """Erasure: the client's calendar subscription (its URL stops)."""
    return {
        "feeds": rowcount(
            db.delete(Feed).where(
                Feed.kind == "client",
                Feed.subject_id == scope.client_id,
                Feed.org_id == scope.org_id,
            )
        )
    }
