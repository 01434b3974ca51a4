"""iCalendar building: a pure function from plain event data to bytes.

What real calendar apps need (RFC 5545/7986 and their bug trackers): a UID that never changes,
DTSTAMP, SEQUENCE that rises with every change, LAST-MODIFIED, STATUS, local times with a
VTIMEZONE, lines folded at 75 octets without splitting a UTF-8 character (icalendar does this),
and for feeds METHOD:PUBLISH with REFRESH-INTERVAL and X-PUBLISHED-TTL.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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


@dataclass(slots=True)  # not frozen: feeds build thousands, and frozen init is slow
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
    all_day: bool = False  # a day's entry (a task's due date): the start's date, one day long


@dataclass(frozen=True)
class CalendarData:
    name: str
    events: list[EventData] = field(default_factory=list)
    description: str = ""
    publish: bool = False  # a subscription feed rather than a one-off file
    refresh_hours: int = 1


_SPECIAL = re.compile(r"[\\;,\r\n]")


def escape_text(value: str) -> str:
    """RFC 5545 TEXT escaping."""
    if _SPECIAL.search(value) is None:  # most values: nothing to escape
        return value
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
    if len(line) <= 18 or (len(line) <= 75 and line.isascii()):  # cheap: at most 4 octets a
        return line + "\r\n"  # character; most lines are short ASCII
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


def _digits(moment: datetime) -> str:
    # %-formatting: a third of strftime's time, and feeds format thousands
    return "%04d%02d%02dT%02d%02d%02d" % (  # noqa: UP031
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


def _utc(moment: datetime) -> str:
    return _digits(moment if moment.tzinfo is UTC else moment.astimezone(UTC)) + "Z"


def _all_day(day: date) -> tuple[str, str]:
    after = day + timedelta(days=1)
    return (
        f"DTSTART;VALUE=DATE:{day.year:04d}{day.month:02d}{day.day:02d}\r\n",
        f"DTEND;VALUE=DATE:{after.year:04d}{after.month:02d}{after.day:02d}\r\n",
    )


def _minutes(minutes: int) -> str:
    return f"-P{minutes // 1440}D" if minutes % 1440 == 0 else f"-PT{minutes}M"


@lru_cache(maxsize=512)
def _repeated(name: str, value: str) -> str:
    """A text property whose value repeats across a feed (a venue's location), folded once."""
    return fold(f"{name}:{escape_text(value)}")


def event_text(data: EventData, stamp: str) -> str:
    """The VEVENT as folded content lines, each ending in CRLF. ``stamp`` is DTSTAMP, formatted.

    Written by hand: icalendar's object model takes about a millisecond an event, too slow for
    feeds of thousands (the tests parse our output with icalendar, vobject and
    recurring-ical-events). Lines that hold a value of any length go through ``fold``; the
    others (dates, status, numbers) are short by construction."""
    zone = ZoneInfo(data.timezone)
    gone = data.status in ("cancelled", "expired")
    summary = escape_text(data.summary)
    parts = [
        "BEGIN:VEVENT\r\n",
        fold(f"UID:{escape_text(data.uid)}"),
        f"DTSTAMP:{stamp}\r\n",
        *(
            _all_day(data.starts_at.astimezone(zone).date())
            if data.all_day
            else (
                fold(f"DTSTART;TZID={data.timezone}:{_digits(data.starts_at.astimezone(zone))}"),
                fold(f"DTEND;TZID={data.timezone}:{_digits(data.ends_at.astimezone(zone))}"),
            )
        ),
        fold(f"SUMMARY:{summary}"),
        f"STATUS:{STATUSES[data.status]}\r\n"
        f"SEQUENCE:{data.sequence}\r\n"
        f"LAST-MODIFIED:{_utc(data.last_modified)}\r\n"
        f"TRANSP:{'TRANSPARENT' if gone else 'OPAQUE'}\r\n",
    ]
    if data.location:
        parts.append(_repeated("LOCATION", data.location))
    if data.description:
        parts.append(fold(f"DESCRIPTION:{escape_text(data.description)}"))
    if data.url:
        parts.append(fold(f"URL:{data.url}"))
    if data.categories:
        parts.append(fold("CATEGORIES:" + ",".join(escape_text(c) for c in data.categories)))
    if data.alarm_minutes is not None and not gone:
        alarm = escape_text(data.alarm_text) if data.alarm_text else summary
        parts += [
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\n",
            fold(f"DESCRIPTION:{alarm}"),
            f"TRIGGER:{_minutes(data.alarm_minutes)}\r\nEND:VALARM\r\n",
        ]
    parts.append("END:VEVENT\r\n")
    return "".join(parts)


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
        out += [event_text(event, stamp_text) for event in data.events]
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode("utf-8")


def google_link(data: EventData) -> str:
    """'Add to Google Calendar': times in UTC, the venue's zone for display."""

    query = {
        "action": "TEMPLATE",
        "text": data.summary,
        "dates": f"{_utc(data.starts_at)}/{_utc(data.ends_at)}",
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
