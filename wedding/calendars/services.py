"""What goes into calendars: ceremonies and their run of show as events, and the feeds."""

import hashlib
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_
from sqlalchemy.orm import aliased

from wedding.accounts.models import User
from wedding.accounts.services import company_name
from wedding.calendars.ics import CalendarData, EventData
from wedding.calendars.models import Feed
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.models import aware_utc, db, raw_timestamp
from wedding.personas.models import Companion
from wedding.presentation.services import viewer_urls
from wedding.runofshow.models import RunItem
from wedding.runofshow.services import item_start, items_of
from wedding.urls import public_url
from wedding.venues.models import Venue

IN_FEEDS = ("hold", "confirmed", "completed")
GONE = ("cancelled", "expired")
KEEP_CANCELLED = timedelta(days=30)
ALARM_MINUTES = 24 * 60


def _couple(ceremony: Ceremony) -> str:
    client = ceremony.client.display_name if ceremony.client else _("No client yet")
    companion = ceremony.companion.name if ceremony.companion else ""
    return f"{client} ♡ {companion}" if companion else client


def ceremony_event(
    ceremony: Ceremony,
    domain: str,
    company: str,
    url: str = "",
    private: bool = True,
    ar_url: str = "",
) -> EventData:
    """The ceremony as an event, titled in the current locale (see force_locale)."""
    venue = ceremony.venue
    title = _("Ceremony: %(couple)s", couple=_couple(ceremony))
    if ceremony.status in ("hold", "draft", "waitlisted"):
        title = _("[Hold] %(title)s", title=title)
    lines = [venue.name, _("Planner: %(company)s", company=company)]
    if ceremony.planner:
        lines.append(f"{ceremony.planner.display_name} <{ceremony.planner.email}>")
    if ar_url:
        lines.append(_("AR presentation: %(url)s", url=ar_url))
    if private and ceremony.notes:
        lines.append(ceremony.notes)
    return EventData(
        uid=f"ceremony-{ceremony.id}@{domain}",
        summary=title,
        starts_at=ceremony.starts_at,
        ends_at=ceremony.ends_at,
        timezone=venue.timezone,
        status=ceremony.status,
        sequence=ceremony.sequence or 0,
        last_modified=ceremony.updated_at,
        location=", ".join(part for part in (venue.name, venue.address) if part),
        description="\n".join(lines),
        url=url,
        categories=(_("Wedding"),),
        alarm_minutes=ALARM_MINUTES,
        alarm_text=title,
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
    """One ceremony with its run of show, for an .ics download (``private``: staff notes too)."""
    with force_locale(lang):
        ar_url = viewer_urls(ceremony.org_id).get(ceremony.id, "")
        company = company_name(ceremony.org_id)
        events = [ceremony_event(ceremony, domain, company, url, private, ar_url=ar_url)]
        events += [item_event(ceremony, item, lang, domain) for item in items_of(ceremony)]
        name = _("Ceremony: %(couple)s", couple=_couple(ceremony))
    return CalendarData(name=name, events=events)


# --- feeds ---------------------------------------------------------------------------------


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
    """(ETag, Last-Modified) from one aggregate query, so that a 304 costs almost nothing."""
    count, newest, sequences = db.session.execute(
        db.select(
            func.count(Ceremony.id), func.max(Ceremony.updated_at), func.sum(Ceremony.sequence)
        ).where(*_feed_filter(feed, now))
    ).one()
    key = f"{feed.id}:{feed.nonce}:{feed.language}:{count}:{newest}:{sequences}:{now.date()}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"', newest


def feed_calendar(
    feed: Feed, domain: str, name: str, now: datetime, ceremony_url: str
) -> CalendarData:
    """The feed's ceremonies; cancelled ones stay (as CANCELLED) for 30 days.

    Feeds can hold thousands of events: one Core query with the joins, no ORM objects.
    ``ceremony_url`` is a format string for the staff page, e.g. ".../ceremonies/{}"."""
    client, companion, venue, planner = (
        aliased(Client),
        aliased(Companion),
        aliased(Venue),
        aliased(User),
    )
    rows = db.session.execute(
        db.select(
            Ceremony.id,
            raw_timestamp(Ceremony.starts_at).label("starts_at"),
            raw_timestamp(Ceremony.ends_at).label("ends_at"),
            Ceremony.status,
            Ceremony.sequence,
            raw_timestamp(Ceremony.updated_at).label("updated_at"),
            Ceremony.notes,
            venue.name.label("venue_name"),
            venue.address,
            venue.timezone,
            func.coalesce(func.nullif(client.preferred_name, ""), client.full_name).label("client"),
            companion.name.label("companion"),
            planner.name.label("planner_name"),
            planner.email.label("planner_email"),
        )
        .join(venue, venue.id == Ceremony.venue_id)
        .outerjoin(client, client.id == Ceremony.client_id)
        .outerjoin(companion, companion.id == Ceremony.companion_id)
        .outerjoin(planner, planner.id == Ceremony.planner_id)
        .where(*_feed_filter(feed, now))
        .order_by(Ceremony.starts_at)
    )
    private = feed.kind != "client"  # clients see neither staff notes nor staff pages
    with force_locale(feed.language):
        title, held = _("Ceremony: %(couple)s"), _("[Hold] %(title)s")
        no_client, by = (
            _("No client yet"),
            _("Planner: %(company)s") % {"company": company_name(feed.org_id)},
        )
        wedding = _("Wedding")
        ar_line = _("AR presentation: %(url)s")
    ar_urls = viewer_urls(feed.org_id)
    portal = public_url("portal.home")  # clients open their ceremony in the portal
    events = []
    for row in rows:
        couple = row.client or no_client
        if row.companion:
            couple = f"{couple} ♡ {row.companion}"
        summary = title % {"couple": couple}
        if row.status in ("hold", "draft", "waitlisted"):
            summary = held % {"title": summary}
        lines = [row.venue_name, by]
        if row.planner_email:
            lines.append(f"{row.planner_name or row.planner_email} <{row.planner_email}>")
        if row.id in ar_urls:
            lines.append(ar_line % {"url": ar_urls[row.id]})
        if private and row.notes:
            lines.append(row.notes)
        events.append(
            EventData(
                uid=f"ceremony-{row.id}@{domain}",
                summary=summary,
                starts_at=aware_utc(row.starts_at),
                ends_at=aware_utc(row.ends_at),
                timezone=row.timezone,
                status=row.status,
                sequence=row.sequence or 0,
                last_modified=aware_utc(row.updated_at),
                location=", ".join(part for part in (row.venue_name, row.address) if part),
                description="\n".join(lines),
                url=ceremony_url.format(row.id) if private else portal,
                categories=(wedding,),
                alarm_minutes=ALARM_MINUTES,
                alarm_text=summary,
            )
        )
    return CalendarData(name=name, events=events, publish=True)
