"""iCalendar building: a pure function from plain event data to bytes.

What real calendar apps need (RFC 5545/7986 and their bug trackers): a UID that never changes,
DTSTAMP, SEQUENCE that rises with every change, LAST-MODIFIED, STATUS, local times with a
VTIMEZONE, lines folded at 75 octets without splitting a UTF-8 character (icalendar does this),
and for feeds METHOD:PUBLISH with REFRESH-INTERVAL and X-PUBLISHED-TTL.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from icalendar import Timezone

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


def escape_text(value: str) -> str:
    """RFC 5545 TEXT escaping."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """One content line with its CRLF, folded at 75 octets, never inside a UTF-8 character."""
    if line.isascii() and len(line) <= 75:  # the common case, kept cheap for big feeds
        return line + "\r\n"
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line + "\r\n"
    parts, limit = [], 75
    while len(raw) > limit:
        cut = limit
        while raw[cut] & 0xC0 == 0x80:  # a continuation byte: step back to the character start
            cut -= 1
        parts.append(raw[:cut])
        raw = raw[cut:]
        limit = 74  # continuation lines start with a space
    parts.append(raw)
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _minutes(minutes: int) -> str:
    return f"-P{minutes // 1440}D" if minutes % 1440 == 0 else f"-PT{minutes}M"


def event_lines(data: EventData, stamp: datetime | str) -> list[str]:
    """The VEVENT as unfolded content lines. Written by hand: icalendar's object model takes
    about a millisecond an event, too slow for feeds of thousands (the tests parse our output
    with icalendar, vobject and recurring-ical-events). ``stamp`` may come formatted already."""
    zone = ZoneInfo(data.timezone)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(data.uid)}",
        f"DTSTAMP:{stamp if isinstance(stamp, str) else _utc(stamp)}",
        f"DTSTART;TZID={data.timezone}:{data.starts_at.astimezone(zone):%Y%m%dT%H%M%S}",
        f"DTEND;TZID={data.timezone}:{data.ends_at.astimezone(zone):%Y%m%dT%H%M%S}",
        f"SUMMARY:{escape_text(data.summary)}",
        f"STATUS:{STATUSES[data.status]}",
        f"SEQUENCE:{data.sequence}",
        f"LAST-MODIFIED:{_utc(data.last_modified)}",
        f"TRANSP:{'TRANSPARENT' if data.status in ('cancelled', 'expired') else 'OPAQUE'}",
    ]
    if data.location:
        lines.append(f"LOCATION:{escape_text(data.location)}")
    if data.description:
        lines.append(f"DESCRIPTION:{escape_text(data.description)}")
    if data.url:
        lines.append(f"URL:{data.url}")
    if data.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in data.categories))
    if data.alarm_minutes is not None and data.status not in ("cancelled", "expired"):
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(data.alarm_text or data.summary)}",
            f"TRIGGER:{_minutes(data.alarm_minutes)}",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE for a zone over some years (icalendar computes the transitions)."""
    component = Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31)
    )
    return component.to_ical().decode("utf-8")


def build_calendar(data: CalendarData, stamp: datetime) -> bytes:
    """The calendar as iCalendar bytes (UTF-8, CRLF, folded), VTIMEZONEs first."""
    head = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
    ]
    if data.publish:
        head += [
            "METHOD:PUBLISH",
            f"REFRESH-INTERVAL;VALUE=DURATION:PT{data.refresh_hours}H",
            f"X-PUBLISHED-TTL:PT{data.refresh_hours}H",
        ]
    head += [f"X-WR-CALNAME:{escape_text(data.name)}", f"NAME:{escape_text(data.name)}"]
    if data.description:
        head.append(f"X-WR-CALDESC:{escape_text(data.description)}")
    out = [fold(line) for line in head]
    if data.events:
        first = min(e.starts_at for e in data.events).year - 1
        last = max(e.ends_at for e in data.events).year + 1
        for tzid in sorted({e.timezone for e in data.events}):
            out.append(_vtimezone(tzid, first, last))
        stamp_text = _utc(stamp)  # the same for every event
        for event in data.events:
            for line in event_lines(event, stamp_text):
                # most lines are short ASCII: skip the folding call for them (big feeds)
                out.append(line + "\r\n" if len(line) <= 75 and line.isascii() else fold(line))
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode("utf-8")


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
