"""iCalendar building: a pure function from plain event data to bytes.

What real calendar apps need (RFC 5545/7986 and their bug trackers): a UID that never changes,
DTSTAMP, SEQUENCE that rises with every change, LAST-MODIFIED, STATUS, local times with a
VTIMEZONE, lines folded at 75 octets without splitting a UTF-8 character (icalendar does this),
and for feeds METHOD:PUBLISH with REFRESH-INTERVAL and X-PUBLISHED-TTL.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vDuration

PRODID = "-//Nijigen Wedding Planner//wedding//JA"
STATUSES = {  # our ceremony status -> iCalendar STATUS
    "draft": "TENTATIVE",
    "waitlisted": "TENTATIVE",
    "hold": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "completed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "expired": "CANCELLED",
}


@dataclass(frozen=True)
class EventData:
    uid: str
    summary: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    timezone: str
    status: str  # one of STATUSES' keys
    sequence: int
    last_modified: datetime
    location: str = ""
    description: str = ""
    url: str = ""
    categories: tuple[str, ...] = ()
    alarm_minutes: int | None = None
    alarm_text: str = ""


@dataclass(frozen=True)
class CalendarData:
    name: str
    events: list[EventData] = field(default_factory=list)
    description: str = ""
    publish: bool = False  # a subscription feed rather than a one-off file
    refresh_hours: int = 1


def _event(data: EventData, stamp: datetime) -> Event:
    zone = ZoneInfo(data.timezone)
    event = Event()
    event.add("uid", data.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", data.starts_at.astimezone(zone))
    event.add("dtend", data.ends_at.astimezone(zone))
    event.add("summary", data.summary)
    event.add("status", STATUSES[data.status])
    event.add("sequence", data.sequence)
    event.add("last-modified", data.last_modified)
    event.add("transp", "TRANSPARENT" if data.status in ("cancelled", "expired") else "OPAQUE")
    if data.location:
        event.add("location", data.location)
    if data.description:
        event.add("description", data.description)
    if data.url:
        event.add("url", data.url)
    if data.categories:
        event.add("categories", list(data.categories))
    if data.alarm_minutes is not None and data.status not in ("cancelled", "expired"):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", data.alarm_text or data.summary)
        alarm.add("trigger", vDuration(-timedelta(minutes=data.alarm_minutes)))
        event.add_component(alarm)
    return event


def build_calendar(data: CalendarData, stamp: datetime) -> bytes:
    """The calendar as iCalendar bytes (UTF-8, CRLF, folded)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", data.name)
    calendar.add("name", data.name)
    if data.description:
        calendar.add("x-wr-caldesc", data.description)
    if data.publish:
        calendar.add("method", "PUBLISH")
        calendar.add(
            "refresh-interval",
            vDuration(timedelta(hours=data.refresh_hours)),
            parameters={"VALUE": "DURATION"},
        )
        calendar.add("x-published-ttl", f"PT{data.refresh_hours}H")
    for event in data.events:
        calendar.add_component(_event(event, stamp))
    if data.events:
        first = min(e.starts_at for e in data.events).date() - timedelta(days=366)
        last = max(e.ends_at for e in data.events).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def google_link(data: EventData) -> str:
    """'Add to Google Calendar': times in UTC, the venue's zone for display."""

    def utc(moment: datetime) -> str:
        return moment.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")

    query = {
        "action": "TEMPLATE",
        "text": data.summary,
        "dates": f"{utc(data.starts_at)}/{utc(data.ends_at)}",
        "details": data.description,
        "location": data.location,
        "ctz": data.timezone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_link(data: EventData) -> str:
    """'Add to Outlook': ISO times with their offset."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": data.summary,
        "startdt": data.starts_at.astimezone(ZoneInfo(data.timezone)).isoformat(),
        "enddt": data.ends_at.astimezone(ZoneInfo(data.timezone)).isoformat(),
        "body": data.description,
        "location": data.location,
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)
