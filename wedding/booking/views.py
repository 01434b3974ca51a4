"""Availability pages: month grids, a day view and the planner's agenda."""

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wedding import almanac
from wedding.accounts.access import get_owned_or_404, org_select
from wedding.booking import services as booking
from wedding.booking.availability import in_time_of_day, matches_filters
from wedding.ceremonies.models import Ceremony
from wedding.freshness import cached_response
from wedding.i18n import HOME_TIMEZONE, current_lang, format_month
from wedding.i18n import lazy_gettext as _l
from wedding.inputs import date_arg, db_int, month_arg, parse_date
from wedding.models import db, utcnow
from wedding.venues.models import Venue

bp = Blueprint("booking", __name__, url_prefix="/booking")

FIRST_WEEKDAY = calendar.SUNDAY  # Japanese wall calendars start on Sunday


def _month_arg() -> date:
    month = month_arg("month")
    return month or utcnow().astimezone(ZoneInfo(HOME_TIMEZONE)).date().replace(day=1)


def _filters() -> dict:
    part = request.args.get("part") or None
    return {
        "auspicious_only": request.args.get("lucky") == "1",
        "weekends_holidays": request.args.get("weekend") == "1",
        "part": part if part in ("morning", "afternoon", "evening") else None,
        "duration": request.args.get("duration", type=db_int),
    }


def _apply_filters(days, zone: ZoneInfo, filters: dict):
    """Days that do not pass the filters keep their almanac but show no free slots."""
    for day in days:
        if not matches_filters(
            day,
            auspicious_only=filters["auspicious_only"],
            weekends_holidays=filters["weekends_holidays"],
        ):
            day.free = [] if day.free is not None else None
            day.free_count = 0
            day.filtered_out = True
        else:
            if filters["part"]:
                day.free = [s for s in day.free if in_time_of_day(s, zone, filters["part"])]
                day.free_count = len(day.free)
            day.filtered_out = False
    return days


def _weeks(first: date) -> list[list[date | None]]:
    return calendar.Calendar(FIRST_WEEKDAY).monthdatescalendar(first.year, first.month)


def _active_venues() -> list[Venue]:
    return list(
        db.session.scalars(
            org_select(Venue, include_archived=False)
            .order_by(Venue.name)
            .options(*booking.rules_options())
        )
    )


@bp.route("/")
@login_required
@cached_response
def calendar_view():
    """All venues: per day, how many slots are free, held and booked."""
    first, last = booking.month_range(_month_arg())
    filters = _filters()
    venues = _active_venues()
    # The grid shows numbers: free starts are counted, not listed (unless a part of the day
    # is asked for, which needs their times).
    per_venue = booking.availability(
        venues, first, last, duration=filters["duration"], count_only=not filters["part"]
    )
    totals = {}
    for venue in venues:
        days = _apply_filters(per_venue[venue.id], ZoneInfo(venue.timezone), filters)
        for day in days:
            entry = totals.setdefault(
                day.date, {"info": day.info, "free": 0, "held": 0, "booked": 0, "open": 0}
            )
            entry["free"] += day.free_count
            entry["held"] += len(day.held)
            entry["booked"] += len(day.booked)
            entry["open"] += 0 if day.closed else 1
            entry["past"] = day.closed == "past"
            entry["filtered_out"] = day.filtered_out
    return render_template(
        "booking/calendar.html",
        first=first,
        weeks=_weeks(first),
        totals=totals,
        venues=venues,
        filters=filters,
        today=utcnow().astimezone(ZoneInfo(HOME_TIMEZONE)).date(),
    )


@bp.route("/venues/<int:venue_id>")
@login_required
def venue_month(venue_id: int):
    venue = get_owned_or_404(Venue, venue_id, *booking.rules_options())
    first, last = booking.month_range(_month_arg())
    filters = _filters()
    days = booking.availability([venue], first, last, duration=filters["duration"])[venue.id]
    _apply_filters(days, ZoneInfo(venue.timezone), filters)
    return render_template(
        "booking/venue_month.html",
        venue=venue,
        first=first,
        weeks=_weeks(first),
        days={d.date: d for d in days},
        filters=filters,
        today=utcnow().astimezone(ZoneInfo(venue.timezone)).date(),
    )


@bp.route("/day/<day>")
@login_required
def day_view(day: str):
    try:
        when = parse_date(day)
    except ValueError:
        abort(404)
    filters = _filters()
    venue_id = request.args.get("venue_id", type=db_int)
    if venue_id:
        venues = [get_owned_or_404(Venue, venue_id, *booking.rules_options())]
    else:
        venues = _active_venues()
    per_venue = booking.availability(venues, when, when, duration=filters["duration"])
    rows = []
    for venue in venues:
        (entry,) = _apply_filters(per_venue[venue.id], ZoneInfo(venue.timezone), filters)
        ceremonies = {
            c.id: c
            for c in db.session.scalars(
                db.select(Ceremony).where(Ceremony.id.in_([b.ceremony_id for b in entry.busy]))
            ).unique()
        }
        rows.append((venue, entry, ceremonies))
    return render_template(
        "booking/day.html",
        day=when,
        info=almanac.describe(when),
        rows=rows,
        filters=filters,
        previous=when - timedelta(days=1),
        following=when + timedelta(days=1),
    )


@bp.route("/agenda")
@login_required
def agenda():
    """The planner's ceremonies across venues, a week or a day at a time."""
    span = "day" if request.args.get("span") == "day" else "week"
    start = date_arg("date") or utcnow().astimezone(ZoneInfo(HOME_TIMEZONE)).date()
    if span == "week":
        start -= timedelta(days=(start.weekday() + 1) % 7)  # back to Sunday
    length = 7 if span == "week" else 1
    zone = ZoneInfo(HOME_TIMEZONE)
    begin = datetime.combine(start, datetime.min.time(), tzinfo=zone)
    end = begin + timedelta(days=length)
    ceremonies = db.session.scalars(
        org_select(Ceremony)
        .where(
            Ceremony.starts_at < end,
            Ceremony.ends_at > begin,
            Ceremony.status.in_(("hold", "confirmed", "completed", "waitlisted", "draft")),
            Ceremony.archived_at.is_(None),
        )
        .order_by(Ceremony.starts_at)
    ).unique()
    by_day: dict[date, list[Ceremony]] = {start + timedelta(days=n): [] for n in range(length)}
    for ceremony in ceremonies:
        local_day = ceremony.starts_at.astimezone(ZoneInfo(ceremony.venue.timezone)).date()
        by_day.setdefault(local_day, []).append(ceremony)
    return render_template(
        "booking/agenda.html",
        span=span,
        start=start,
        by_day=by_day,
        almanac_days={d: almanac.describe(d) for d in by_day},
        previous=start - timedelta(days=length),
        following=start + timedelta(days=length),
        mine=current_user,
    )


@bp.app_template_global()
def almanac_day(moment, tz: str = HOME_TIMEZONE) -> almanac.DayInfo:
    """The almanac for the local day of a datetime (or a date)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(ZoneInfo(tz)).date()
    return almanac.describe(moment)


@bp.app_template_filter("to_zone")
def to_zone(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


ROKUYO_MEANINGS = {
    "taian": _l("lucky all day, the favourite for weddings"),
    "tomobiki": _l("lucky except at noon, popular for weddings"),
    "sensho": _l("lucky in the morning"),
    "senbu": _l("lucky in the afternoon"),
    "shakku": _l("lucky only around noon"),
    "butsumetsu": _l("the least lucky day; some venues discount it"),
}
CLOSED_LABELS = {
    "past": _l("past"),
    "too_far": _l("not yet bookable"),
    "closed": _l("closed"),
    "no_hours": _l("closed (regular day off)"),
}
ROKUYO_ROMAJI = {
    "taian": "Taian",
    "tomobiki": "Tomobiki",
    "sensho": "Sensho",
    "senbu": "Senbu",
    "shakku": "Shakku",
    "butsumetsu": "Butsumetsu",
}


@bp.app_template_global()
def holiday_at(day: date, timezone: str = HOME_TIMEZONE) -> str | None:
    """The public holiday on a day where a venue is, in the reader's language (a Seattle
    venue's month showed Japan's Coming of Age Day and not Martin Luther King Jr. Day)."""
    return almanac.local_holiday(day, timezone, current_lang())


@bp.app_template_global()
def rokuyo_name(info: almanac.DayInfo) -> str:
    """The rokuyō as the reader says it: 大安 in Japanese, Taian in English."""
    return info.rokuyo if current_lang() == "ja" else ROKUYO_ROMAJI.get(info.rokuyo_romaji, "")


@bp.app_template_global()
def lunar_date_label(info: almanac.DayInfo) -> str:
    """The lunar date: 1月29日 in Japanese, "month 1, day 29" in English."""
    if current_lang() == "ja":
        return str(info.lunar)
    lunar = info.lunar
    if lunar.leap:
        return _("leap month %(month)d, day %(day)d", month=lunar.month, day=lunar.day)
    return _("month %(month)d, day %(day)d", month=lunar.month, day=lunar.day)


@bp.app_template_global()
def era_label(info: almanac.DayInfo) -> str:
    """The era date: 令和9年3月7日 in Japanese, Reiwa 9 in English."""
    if not info.wareki:
        return ""
    return info.wareki if current_lang() == "ja" else almanac.wareki_year_en(info.date)


@bp.app_template_global()
def rokuyo_meaning(romaji: str) -> str:
    return str(ROKUYO_MEANINGS.get(romaji, ""))


@bp.app_template_global()
def closed_label(code: str) -> str:
    return str(CLOSED_LABELS.get(code, code))


@bp.app_template_global()
def weekday_names() -> list[str]:
    """Abbreviated weekday names in the reader's language, Sunday first."""
    names = get_day_names("abbreviated", locale=current_lang())
    return [names[(FIRST_WEEKDAY + n) % 7] for n in range(7)]


@bp.app_template_global()
def month_title(first: date) -> str:
    return format_month(first)


@bp.app_context_processor
def _helpers() -> dict:
    return {"timedelta": timedelta}
