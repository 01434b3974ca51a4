"""The almanac against published Japanese almanac tables.

Each row cites where the rokuyō (and, where given, the lunisolar date) was published:
  CL  calendar-life.site, "SIMPLE CALENDAR" 2017年1月–4月 (六曜 per day)
      http://calendar-life.site/
  AR  arachne.jp オンラインカレンダー 旧暦 2025年5月
      https://www.arachne.jp/onlinecalendar/kyureki/2025/5/
  CG  cafegoju.com calendar 2025年5月 (六曜 and 旧暦)
      http://www.cafegoju.com/calendar/calendar.cgi
  LP  「3年に1度の奇跡! 2025年8月の『閏6月』」六曜・月齢・旧暦カレンダー 2025年8月
      https://www.xn--ccks9d0fl2d.com/ (2025年8月 閏6月 article)
  KN  koyominote 日めくりカレンダー, https://koyominote.com/post/calendar-day/?date=YYYY-MM-DD
  KP  日刊☆こよみのページ archive, http://koyomi.vis.ne.jp/cgi/magu/index.php?date=YYYYMMDD
      (and koyomi8.com/cgi/magu for 2018)
  SC  運勢カレンダー, https://calendar.starcrawler.net/d/?ymd=1973-05-20 (May 1973 table)
  FW  foodwatch.jp 2020年6月7日の暦, https://www.foodwatch.jp/uniqdate20200607
"""

import json
from datetime import date

import pytest

from wedding import almanac

# (date, lunar date as printed or None, rokuyō, source)
PUBLISHED = [
    # 2017: rokuyō only; the 28th of Jan, 26th of Feb, 28th of Mar, 26th of Apr begin months
    ("2017-01-01", None, "先負", "CL"),
    ("2017-01-02", None, "仏滅", "CL"),
    ("2017-01-03", None, "大安", "CL"),
    ("2017-01-09", None, "大安", "CL"),
    ("2017-01-27", None, "大安", "CL"),
    ("2017-01-28", None, "先勝", "CL"),
    ("2017-01-29", None, "友引", "CL"),
    ("2017-01-31", None, "仏滅", "CL"),
    ("2017-02-01", None, "大安", "CL"),
    ("2017-02-11", None, "先負", "CL"),
    ("2017-02-25", None, "大安", "CL"),
    ("2017-02-26", None, "友引", "CL"),
    ("2017-02-28", None, "仏滅", "CL"),
    ("2017-03-20", None, "赤口", "CL"),
    ("2017-03-27", None, "先勝", "CL"),
    ("2017-03-28", None, "先負", "CL"),
    ("2017-03-31", None, "赤口", "CL"),
    ("2017-04-01", None, "先勝", "CL"),
    ("2017-04-25", None, "先勝", "CL"),
    ("2017-04-26", None, "仏滅", "CL"),
    ("2017-04-27", None, "大安", "CL"),
    # May 2025: the 5th lunar month begins on the 27th
    ("2025-05-01", "4月4日", "先勝", "AR"),
    ("2025-05-05", "4月8日", "大安", "AR"),
    ("2025-05-06", "4月9日", "赤口", "AR"),
    ("2025-05-13", "4月16日", "先勝", "CG"),
    ("2025-05-21", "4月24日", "先負", "CG"),
    ("2025-05-26", "4月29日", "友引", "AR"),
    ("2025-05-27", "5月1日", "大安", "AR"),
    ("2025-05-31", "5月5日", "先負", "AR"),
    # August 2025: the leap 6th month, then the 7th from the 23rd
    ("2025-08-01", "閏6月8日", "先勝", "LP"),
    ("2025-08-07", "閏6月14日", "先勝", "LP"),
    ("2025-08-11", "閏6月18日", "大安", "LP"),
    ("2025-08-22", "閏6月29日", "仏滅", "LP"),
    ("2025-08-23", "7月1日", "先勝", "LP"),
    ("2025-08-24", "7月2日", "友引", "LP"),
    ("2025-08-31", "7月9日", "先負", "LP"),
    # the leap 2nd month of 2023 and the leap 4th month of 2020
    ("2023-04-04", "閏2月14日", "先負", "KN"),
    ("2023-04-19", "閏2月29日", "赤口", "KN"),
    ("2020-06-07", "閏4月16日", "先勝", "FW"),
    ("2020-06-11", "閏4月20日", "大安", "KN"),
    # single days across the range
    ("1995-01-09", "12月9日", "友引", "KN"),
    ("1995-04-12", "3月13日", "先負", "KN"),
    ("1995-08-18", "7月22日", "仏滅", "KN"),
    ("2008-11-01", "10月4日", "先勝", "KP"),
    ("2010-10-31", "9月24日", "友引", "KP"),
    ("2011-10-24", "9月28日", "赤口", "KP"),
    ("2013-07-01", "5月23日", "先負", "KN"),
    ("2018-08-05", "6月24日", "大安", "KP"),
    ("2021-05-20", "4月9日", "赤口", "KN"),
    ("2022-04-23", "3月23日", "先勝", "KN"),
    ("2026-10-12", "9月2日", "仏滅", "KN"),
    ("2030-06-04", "5月4日", "友引", "KN"),
    # May 1973 (before the guaranteed range, published all the same)
    ("1973-05-01", "3月29日", "先勝", "SC"),
    ("1973-05-02", "3月30日", "友引", "SC"),
    ("1973-05-03", "4月1日", "仏滅", "SC"),
    ("1973-05-04", "4月2日", "大安", "SC"),
    ("1973-05-06", "4月4日", "先勝", "SC"),
    ("1973-05-20", "4月18日", "先負", "SC"),
    # later years, checked the same way
    ("2061-06-04", "4月17日", "友引", "KN"),
    ("2064-06-06", "4月22日", "先勝", "KN"),
    ("2067-07-25", "6月15日", "友引", "KN"),
    ("2070-06-15", "5月7日", "大安", "KN"),
]


def test_at_least_sixty_published_dates_with_month_starts_and_leap_months():
    assert len(PUBLISHED) >= 60
    first_days = [d for d, *_ in PUBLISHED if almanac.lunar_date(date.fromisoformat(d)).day == 1]
    assert len(first_days) >= 6
    assert sum(1 for _, lunar, _, _ in PUBLISHED if lunar and lunar.startswith("閏")) >= 8


@pytest.mark.parametrize(("day", "lunar", "rokuyo", "source"), PUBLISHED)
def test_matches_published_almanacs(day, lunar, rokuyo, source):
    info = almanac.describe(date.fromisoformat(day))
    assert info.rokuyo == rokuyo, source
    if lunar:
        assert str(info.lunar) == lunar, source


@pytest.mark.parametrize(
    ("day", "lunar"),
    [
        # New moons just after midnight JST: Japanese months start a day after Chinese ones.
        ("2023-05-20", "4月1日"),  # new moon 00:53 JST
        ("2026-10-11", "9月1日"),
        ("2027-02-07", "1月1日"),
        ("2028-01-27", "1月1日"),
    ],
)
def test_months_start_on_the_jst_day_of_the_new_moon(day, lunar):
    assert str(almanac.lunar_date(date.fromisoformat(day))) == lunar


def test_leap_month_takes_its_base_month_for_rokuyo():
    leap = almanac.describe(date(2025, 7, 25))  # first day of 閏6月
    assert leap.lunar == almanac.LunarDate(2025, 6, 1, True)
    assert leap.rokuyo == almanac.ROKUYO[(6 + 1) % 6]


def test_lunar_new_year_belongs_to_the_new_lunar_year():
    assert almanac.lunar_date(date(2025, 1, 29)) == almanac.LunarDate(2025, 1, 1, False)
    assert almanac.lunar_date(date(2025, 1, 28)).year == 2024


def test_the_disputed_2033_months_are_flagged():
    assert not almanac.describe(date(2033, 8, 24)).uncertain
    assert almanac.describe(date(2033, 8, 25)).uncertain
    assert almanac.describe(date(2033, 12, 22)).uncertain
    assert almanac.describe(date(2034, 3, 19)).uncertain
    assert not almanac.describe(date(2034, 3, 20)).uncertain
    assert almanac.describe(date(2034, 3, 20)).lunar == almanac.LunarDate(2034, 2, 1, False)


def test_every_day_of_the_supported_range_has_a_consistent_lunar_date():
    previous = almanac.lunar_date(date(1989, 12, 31))
    for info in almanac.days(date(1990, 1, 1), date(1990, 12, 31)):
        current = info.lunar
        assert 1 <= current.day <= 30
        if current.day != 1:
            assert (current.month, current.leap) == (previous.month, previous.leap)
            assert current.day == previous.day + 1
        else:
            assert previous.day in (29, 30)
        previous = current


@pytest.mark.parametrize(
    ("day", "name_ja", "name_en"),
    [
        ("2026-01-01", "元日", "New Year's Day"),
        ("2026-05-06", "振替休日", "Substitute Holiday"),
        ("2026-09-22", "国民の休日", "National Holiday"),
        ("2025-11-24", "振替休日", "Substitute Holiday"),
        ("2026-10-12", "スポーツの日", "Sports Day"),
    ],
)
def test_public_holidays_with_names(day, name_ja, name_en):
    d = date.fromisoformat(day)
    assert almanac.holiday_name(d, "ja") == name_ja
    assert name_en in almanac.holiday_name(d, "en")


def test_ordinary_day_is_no_holiday():
    assert almanac.holiday_name(date(2026, 11, 27)) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-11-13", "令和7年11月13日"),
        ("2019-05-01", "令和元年5月1日"),
        ("2019-04-30", "平成31年4月30日"),
        ("1989-01-08", "平成元年1月8日"),
        ("1989-01-07", "昭和64年1月7日"),
        ("1926-12-25", "昭和元年12月25日"),
        ("1926-12-24", "大正15年12月24日"),
        ("1912-07-30", "大正元年7月30日"),
        ("1912-07-29", "明治45年7月29日"),
        ("1873-01-01", "明治6年1月1日"),
    ],
)
def test_wareki(day, expected):
    assert almanac.wareki(date.fromisoformat(day)) == expected


def test_wareki_before_meiji_is_an_error():
    with pytest.raises(almanac.AlmanacError):
        almanac.wareki(date(1850, 1, 1))


def test_json_shape():
    row = almanac.describe(date(2025, 8, 1)).as_json()
    assert row == {
        "date": "2025-08-01",
        "rokuyo": "先勝",
        "rokuyo_romaji": "sensho",
        "lunar_month": 6,
        "lunar_day": 8,
        "leap_month": True,
        "uncertain": False,
        "holiday": None,
        "wareki": "令和7年8月1日",
    }


def test_cli_prints_one_json_object_per_day(app):
    result = app.test_cli_runner().invoke(args=["almanac", "2025-07-24", "2025-07-26", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["date"] for r in rows] == ["2025-07-24", "2025-07-25", "2025-07-26"]
    assert set(rows[0]) == {
        "date",
        "rokuyo",
        "rokuyo_romaji",
        "lunar_month",
        "lunar_day",
        "leap_month",
        "uncertain",
        "holiday",
        "wareki",
    }
    assert rows[1]["leap_month"] is True and rows[1]["lunar_day"] == 1


@pytest.mark.parametrize(
    "args", [["2026-13-01"], ["2026-01-02", "2026-01-01"], ["1990-01-01", "2030-01-01"]]
)
def test_cli_refuses_bad_ranges_with_one_line(app, args):
    result = app.test_cli_runner().invoke(args=["almanac", *args, "--json"])
    assert result.exit_code != 0
    assert "Error" in result.output


@pytest.mark.parametrize(
    ("due", "bank_day"),
    [
        (date(2027, 1, 1), date(2026, 12, 30)),  # 元日, and the banks close 31 Dec–3 Jan
        (date(2027, 1, 4), date(2027, 1, 4)),  # a Monday the banks open again
        (date(2027, 1, 11), date(2027, 1, 8)),  # 成人の日 (Monday), back to Friday
        (date(2027, 5, 5), date(2027, 4, 30)),  # Golden Week
        (date(2027, 3, 17), date(2027, 3, 17)),  # an ordinary Wednesday
    ],
)
def test_a_transfer_due_on_a_closed_day_falls_due_the_bank_day_before(due, bank_day):
    assert almanac.bank_day_on_or_before(due) == bank_day


def test_a_venues_holidays_are_its_countrys():
    seattle, tokyo = "America/Los_Angeles", "Asia/Tokyo"
    assert (almanac.country_of(seattle), almanac.country_of(tokyo)) == ("US", "JP")
    assert almanac.local_holiday(date(2031, 1, 20), seattle, "en") == "Martin Luther King Jr. Day"
    assert almanac.local_holiday(date(2031, 1, 13), seattle, "en") is None
    assert almanac.local_holiday(date(2031, 1, 13), tokyo, "ja") == "成人の日"
    assert almanac.local_holiday(date(2031, 1, 13), tokyo, "en") == "Coming of Age Day"
    assert almanac.local_holiday(date(2031, 1, 1), "UTC") is None  # no country, no holiday
    # The venue form offers the zones' other names too: each is its zone's country.
    assert [almanac.country_of(z) for z in ("US/Pacific", "Asia/Calcutta", "Japan")] == [
        "US",
        "IN",
        "JP",
    ]
