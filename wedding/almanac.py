"""The Japanese almanac: rokuyō, the lunisolar date, public holidays and era dates.

Pure functions over dates; nothing here knows about Flask or the database.

The lunisolar calendar is the Japanese one (the Tenpō rules as used by today's almanacs):
months begin on the day (in JST) of the new moon; the month holding the winter solstice is
the 11th; when twelve months are not enough to reach the next winter-solstice month, the first
month without a principal solar term (中気) is a leap month and repeats the previous month's
number. New moons and solar longitudes come from PyEphem (offline, no ephemeris download).
Rokuyō is (lunar month + lunar day) mod 6, so a leap month counts as its base month.
"""

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from importlib.resources import files
from itertools import pairwise
from zoneinfo import ZoneInfo

import ephem
import holidays

JST = ZoneInfo("Asia/Tokyo")

# Indexed by (lunar month + lunar day) % 6.
ROKUYO = ("大安", "赤口", "先勝", "友引", "先負", "仏滅")
ROKUYO_ROMAJI = ("taian", "shakku", "sensho", "tomobiki", "senbu", "butsumetsu")
AUSPICIOUS = frozenset({"大安", "友引"})

# The months whose naming the Tenpō rules cannot settle ("the 2033 problem"): calendar makers
# disagree between a leap 7th, leap 11th or leap 1st month for these lunations.
DISPUTED = (date(2033, 8, 25), date(2034, 3, 20))  # [first day, first undisputed day)

ERAS = (  # (first day in the Gregorian calendar, name, romanised name)
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Showa"),
    (date(1912, 7, 30), "大正", "Taisho"),
    (date(1868, 1, 25), "明治", "Meiji"),  # Meiji 1 was counted from the lunar new year
)


class AlmanacError(ValueError):
    """A date the almanac cannot describe."""


@dataclass(frozen=True)
class LunarDate:
    year: int
    month: int
    day: int
    leap: bool

    def __str__(self) -> str:
        return f"{'閏' if self.leap else ''}{self.month}月{self.day}日"


@dataclass(frozen=True)
class DayInfo:
    """Everything the almanac says about one day."""

    date: date
    rokuyo: str
    rokuyo_romaji: str
    lunar: LunarDate
    uncertain: bool
    holiday: str | None
    holiday_en: str | None
    wareki: str | None

    @property
    def auspicious(self) -> bool:
        return self.rokuyo in AUSPICIOUS

    def as_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "rokuyo": self.rokuyo,
            "rokuyo_romaji": self.rokuyo_romaji,
            "lunar_month": self.lunar.month,
            "lunar_day": self.lunar.day,
            "leap_month": self.lunar.leap,
            "uncertain": self.uncertain,
            "holiday": self.holiday,
            "wareki": self.wareki,
        }


# --- astronomy -----------------------------------------------------------------------------


def _jst_date(moment: ephem.Date) -> date:
    return moment.datetime().replace(tzinfo=UTC).astimezone(JST).date()


def _sun_longitude(moment: float) -> float:
    """The Sun's apparent geocentric ecliptic longitude, in degrees of the equinox of date."""
    sun = ephem.Sun()
    sun.compute(moment, epoch=moment)
    apparent = ephem.Equatorial(sun.ra, sun.dec, epoch=moment)
    return math.degrees(ephem.Ecliptic(apparent).lon)


def _term_instant(longitude: int, near: float) -> float:
    """When the Sun reaches ``longitude`` degrees, searching from about ``near``."""

    def offset(moment: float) -> float:
        return (_sun_longitude(moment) - longitude + 180) % 360 - 180

    # The Sun moves about a degree a day: step to within a day, then let Newton finish.
    moment = near - offset(near)
    return ephem.newton(offset, moment, moment + 0.5)


def _principal_term_dates(first: date, last: date) -> list[date]:
    """JST dates of the principal terms (solar longitude a multiple of 30°) in [first, last]."""
    moment = ephem.Date(datetime(first.year, first.month, first.day) - timedelta(days=40))
    longitude = int(_sun_longitude(moment) // 30 * 30 + 30) % 360
    found = []
    while True:
        moment = _term_instant(longitude, moment + 29)
        day = _jst_date(ephem.Date(moment))
        if day > last:
            return found
        if day >= first:
            found.append(day)
        longitude = (longitude + 30) % 360


def _new_moon_dates(first: date, last: date) -> list[date]:
    """JST dates of the new moons in [first, last]."""
    moment = ephem.Date(datetime(first.year, first.month, first.day) - timedelta(days=1))
    found = []
    while True:
        moment = ephem.next_new_moon(moment)
        day = _jst_date(moment)
        if day > last:
            return found
        if day >= first:
            found.append(day)
        moment = ephem.Date(moment + 1)


def _winter_solstice(year: int) -> date:
    """JST date of the December solstice of ``year``."""
    return _jst_date(ephem.Date(_term_instant(270, ephem.Date(f"{year}/12/21"))))


# --- the lunisolar calendar ----------------------------------------------------------------


@cache
def _months_after_solstice(year: int) -> tuple[tuple[date, int, bool], ...]:
    """(first day, number, leap) of each month from the 11th month holding the December
    solstice of ``year`` up to, not including, the next year's 11th month."""
    start_solstice, end_solstice = _winter_solstice(year), _winter_solstice(year + 1)
    moons = _new_moon_dates(start_solstice - timedelta(days=31), end_solstice)
    eleventh = max(m for m in moons if m <= start_solstice)
    next_eleventh = max(m for m in moons if m <= end_solstice)
    starts = [m for m in moons if eleventh <= m < next_eleventh]
    terms = _principal_term_dates(eleventh, next_eleventh + timedelta(days=31))
    bounds = [*starts, next_eleventh]
    without_term = [not any(begin <= t < end for t in terms) for begin, end in pairwise(bounds)]
    leap_index = without_term.index(True) if len(starts) == 13 and any(without_term) else None
    months, number = [], 10
    for index, begin in enumerate(starts):
        leap = index == leap_index
        if not leap:
            number = number % 12 + 1
        months.append((begin, number, leap))
    return tuple(months)


def lunar_date(day: date) -> LunarDate:
    """The Japanese lunisolar date of a Gregorian date."""
    if not date(1800, 1, 1) <= day <= date(2200, 12, 31):
        raise AlmanacError(f"{day} is outside the years this almanac computes (1800–2200)")
    for year in (day.year - 1, day.year):
        months = _months_after_solstice(year)
        starts = [m[0] for m in months]
        if starts[0] <= day:
            following = _months_after_solstice(year + 1)[0][0]
            if day < following:
                begin, number, leap = months[bisect_right(starts, day) - 1]
                lunar_year = year + 1 if number < 11 else year
                return LunarDate(lunar_year, number, (day - begin).days + 1, leap)
    raise AssertionError(f"no lunar month found for {day}")  # pragma: no cover


def rokuyo_index(lunar: LunarDate) -> int:
    return (lunar.month + lunar.day) % 6


def is_uncertain(day: date) -> bool:
    """Whether almanacs disagree on this day's lunar month (and so on its rokuyō)."""
    return DISPUTED[0] <= day < DISPUTED[1]


# --- holidays and eras ---------------------------------------------------------------------


@cache
def _holidays(year: int, language: str) -> dict[date, str]:
    return dict(holidays.Japan(years=year, language=language).items())


def holiday_name(day: date, language: str = "ja") -> str | None:
    """The name of the Japanese public holiday on this day, substitute and citizens' included."""
    return _holidays(day.year, "ja" if language == "ja" else "en_US").get(day)


@cache
def _zone_countries() -> dict[str, str]:
    """Each time zone's country (ISO 3166 code), from the time zone database as the tzdata
    package ships it: zone.tab for the zones, tzdata.zi's links for their other names
    ("US/Pacific" is America/Los_Angeles, "Asia/Calcutta" Asia/Kolkata)."""
    zoneinfo = files("tzdata.zoneinfo")
    text = zoneinfo.joinpath("zone.tab").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    countries = {row[2]: row[0] for row in rows if len(row) >= 3}
    for line in zoneinfo.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            if target in countries:
                countries.setdefault(alias, countries[target])
    return countries


def country_of(timezone: str) -> str | None:
    """The country of a venue's time zone ("America/Los_Angeles" → "US"), None for "UTC"."""
    return _zone_countries().get(timezone)


@cache
def _country_holidays(country: str, year: int, language: str) -> dict[date, str]:
    try:
        return dict(holidays.country_holidays(country, years=year, language=language).items())
    except NotImplementedError:  # a country the holidays package does not know
        return {}


def local_holiday(day: date, timezone: str, language: str = "ja") -> str | None:
    """The public holiday on this day where a venue in ``timezone`` is: Japan's (in Japanese
    or English) for a venue in Japan, the country's own elsewhere (in English where its list
    has English names); None where the zone names no country."""
    country = country_of(timezone)
    if country is None:
        return None
    if country == "JP":
        return holiday_name(day, language)
    return _country_holidays(country, day.year, "ja" if language == "ja" else "en_US").get(day)


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    # The Japan Exchange calendar, which is the banks': national holidays and 31 Dec–3 Jan.
    return frozenset(holidays.financial_holidays("XJPX", years=year))


def bank_day_on_or_before(day: date) -> date:
    """The last day banks in Japan are open on or before ``day`` (not a weekend, a national
    holiday or the New Year closing): a transfer due on a closed day must arrive before it."""
    while day.weekday() >= 5 or day in _bank_holidays(day.year):
        day -= timedelta(days=1)
    return day


def wareki(day: date) -> str:
    """The date in the Japanese era calendar, e.g. 令和7年11月13日 (the first year is 元年)."""
    for first_day, name, _ in ERAS:
        if day >= first_day:
            year = day.year - first_day.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    raise AlmanacError(f"{day} is before the Meiji era")


def wareki_year_en(day: date) -> str:
    """The era year in English, e.g. Reiwa 7."""
    for first_day, _, romaji in ERAS:
        if day >= first_day:
            return f"{romaji} {day.year - first_day.year + 1}"
    raise AlmanacError(f"{day} is before the Meiji era")


@lru_cache(maxsize=8192)
def describe(day: date) -> DayInfo:
    """Everything the almanac knows about one day (immutable, so cached)."""
    lunar = lunar_date(day)
    index = rokuyo_index(lunar)
    try:
        era = wareki(day)
    except AlmanacError:
        era = None
    return DayInfo(
        date=day,
        rokuyo=ROKUYO[index],
        rokuyo_romaji=ROKUYO_ROMAJI[index],
        lunar=lunar,
        uncertain=is_uncertain(day),
        holiday=holiday_name(day, "ja"),
        holiday_en=holiday_name(day, "en"),
        wareki=era,
    )


def days(first: date, last: date) -> list[DayInfo]:
    """describe() for every day from first to last inclusive."""
    if last < first:
        raise AlmanacError("the end date is before the start date")
    return [describe(first + timedelta(days=n)) for n in range((last - first).days + 1)]
