"""The pure arithmetic: tax once per rate per invoice, integer yen, registration numbers,
policies, reference codes and bank statements in either encoding."""

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wedding.billing.money import (
    Line,
    MoneyError,
    cancellation_percent,
    check_line,
    decode_statement,
    find_reference,
    net_for_gross,
    new_reference_code,
    normalize_registration_number,
    parse_policy,
    policy_rows,
    read_statement,
    registration_number_for,
    split_gross,
    tax_inclusive,
    tax_of,
    totals,
    whole_tax_amount,
)


def test_tax_is_rounded_once_per_rate_not_per_line():
    # Three lines of ¥105 at 8 %: per line 8.4 → 8 each (24); once per rate 315 × 8 % = 25.2 → 25.
    lines = [Line("引菓子", 105, 1, 8)] * 3 + [Line("人前式", 999, 1, 10), Line("証明書", 5, 1, 0)]
    sums = totals(lines)
    assert sums.subtotal_by_rate == {8: 315, 10: 999, 0: 5}
    assert sums.tax_by_rate == {8: 25, 10: 99, 0: 0}
    assert sums.total == 315 + 999 + 5 + 25 + 99
    assert sum(105 * 8 // 100 for _ in range(3)) == 24  # what per-line rounding would give


@given(st.integers(0, 10**9), st.integers(0, 100), st.sampled_from([10, 8, 0]))
def test_a_part_with_whole_yen_tax_splits_a_subtotal_without_losing_a_yen(subtotal, percent, rate):
    part = whole_tax_amount(subtotal * percent // 100, rate)
    assert 0 <= subtotal * percent // 100 - part < {10: 10, 8: 25, 0: 1}[rate]
    assert tax_of(part, rate) + tax_of(subtotal - part, rate) == tax_of(subtotal, rate)


@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 50), st.sampled_from([10, 8, 0]))))
def test_totals_are_exact_integers(raw):
    sums = totals(Line("x", price, qty, rate) for price, qty, rate in raw)
    for rate, subtotal in sums.subtotal_by_rate.items():
        assert isinstance(subtotal, int)
        assert sums.tax_by_rate[rate] == subtotal * rate // 100
    assert sums.total == sum(p * q for p, q, _ in raw) + sums.tax


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (Line("x", 100, -1, 10), "quantity"),
        (Line("x", 100, 0, 10), "quantity"),
        (Line("x", 100, 1, 5), "tax_rate"),
        (Line("x", 100, 1, "10"), "tax_rate"),
        (Line("x", -1, 1, 10), "unit_price"),
        (Line("x", 10.5, 1, 10), "unit_price"),
        (Line("x", True, 1, 10), "unit_price"),
        (Line(" ", 100, 1, 10), "description"),
    ],
)
def test_bad_lines_are_refused_by_field(line, code):
    with pytest.raises(MoneyError) as error:
        check_line(line)
    assert error.value.code == code


def test_tax_inclusive_prices():
    assert tax_inclusive(8_000, 10) == 8_800
    assert tax_inclusive(1_000, 8) == 1_080
    assert tax_inclusive(1_000, 0) == 1_000


def test_registration_numbers():
    number = registration_number_for("876543210987")
    assert normalize_registration_number(number) == number
    assert normalize_registration_number(" ｔ" + number[1:5] + "-" + number[5:]) == number
    wrong = number[:1] + str((int(number[1]) + 1) % 10) + number[2:]
    with pytest.raises(MoneyError) as error:
        normalize_registration_number(wrong)
    assert error.value.code == "registration_check_digit"
    for bad in ("", "1234567890123", "T123", "T12345678901234"):
        with pytest.raises(MoneyError) as error:
            normalize_registration_number(bad)
        assert error.value.code == "registration_format"


def test_cancellation_policy():
    policy = parse_policy("90: 0\n60：20\n30, 50%\n7:80\n0:100")
    assert policy == [[90, 0], [60, 20], [30, 50], [7, 80], [0, 100]]
    assert cancellation_percent(policy, 120) == 0
    assert cancellation_percent(policy, 60) == 20
    assert cancellation_percent(policy, 59) == 50
    assert cancellation_percent(policy, 0) == 100
    # the last two: int() of 5,000 digits raises (a 500 on the settings page)
    for bad in (
        "30 percent",
        "30: 120",
        "30: 10\n30: 20",
        "",
        "9" * 5000 + ": 5",
        "5: " + "1" * 5000,
    ):
        with pytest.raises(MoneyError):
            parse_policy(bad)


def test_gross_splits_and_nets():
    assert split_gross(1000, {10: 1100, 8: 1080}) == {10: 505, 8: 495}  # remainder to 10 %
    assert sum(split_gross(999, {10: 3, 8: 3, 0: 3}).values()) == 999
    for gross in range(0, 500):
        net = net_for_gross(gross, 10)
        assert tax_inclusive(net, 10) <= gross < tax_inclusive(net + 1, 10)


def test_reference_codes_are_found_in_bank_kana_and_full_width():
    code = new_reference_code()
    assert len(code) == 6
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    codes = {code: "invoice"}
    assert find_reference(f"{full_width} ｻﾄｳ ﾐｻｷ", codes) == "invoice"
    assert find_reference(f"ｻﾄｳ ﾐｻｷ {code.lower()}", codes) == "invoice"
    assert find_reference("ｻﾄｳ ﾐｻｷ", codes) is None


STATEMENT = (
    "日付,摘要,お引出金額,お預り金額,残高\n"
    '2026/11/30,ﾌﾘｺﾐ ABC123 ｻﾄｳ ﾐｻｷ,,"66,000",100000\n'
    "2026/12/01,ﾃｽｳﾘｮｳ,440,,99560\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "shift_jis", "cp932"])
def test_statements_in_utf8_and_shift_jis(encoding):
    text, found = decode_statement(STATEMENT.encode(encoding))
    assert found == ("utf-8" if encoding.startswith("utf") else "shift_jis")
    lines = list(read_statement(text))
    assert len(lines) == 1  # the fee is a withdrawal, not a credit
    assert lines[0].booked_on == date(2026, 11, 30)
    assert lines[0].amount == 66_000
    assert lines[0].payer == "ﾌﾘｺﾐ ABC123 ｻﾄｳ ﾐｻｷ"


def test_a_statement_line_whose_amount_is_no_number_is_passed_over():
    text = "日付,入金額,振込依頼人名\n2026/12/01,{},ﾀﾅｶ\n2026/12/02,１，５００,ｻﾄｳ\n"
    for amount in ("9" * 5000, "12ab", "1e3"):  # 5,000 digits: int() raised, a 500 on the import
        (line,) = read_statement(text.format(amount))
        assert (line.line_no, line.amount) == (3, 1500)


def test_statements_without_known_columns_or_encoding_are_refused():
    with pytest.raises(MoneyError) as error:
        list(read_statement("a,b,c\n1,2,3\n"))
    assert error.value.code == "columns"
    with pytest.raises(MoneyError) as error:
        decode_statement(b"\xff\xfe\x00\x81\xff")
    assert error.value.code == "encoding"


@pytest.mark.parametrize(
    ("policy", "rows"),
    [
        (
            [[90, 0], [60, 20], [30, 50], [7, 80], [0, 100]],
            [
                ("90日前まで", "90 days or more before", 0),
                ("89〜60日前", "60–89 days before", 20),
                ("59〜30日前", "30–59 days before", 50),
                ("29〜7日前", "7–29 days before", 80),
                ("6日前〜当日", "6 days before to the day", 100),
            ],
        ),
        (  # the days below the smallest tier cost 100 %: written, not left out
            [[30, 0], [2, 50], [1, 80]],
            [
                ("30日前まで", "30 days or more before", 0),
                ("29〜2日前", "2–29 days before", 50),
                ("1日前", "1 day before", 80),
                ("当日", "on the day", 100),
            ],
        ),
        ([[0, 100]], [("いつでも", "at any time", 100)]),
    ],
)
def test_the_policy_reads_as_ranges_that_agree_with_the_fee(policy, rows):
    """Each row the client reads ("89〜60日前", not "60日前以上") is the range whose days
    cancellation_percent charges that percent."""
    assert policy_rows(policy) == rows
    for ja, _, percent in rows:
        days = [int(n) for n in re.findall(r"\d+", ja)] or [0]
        for day in days:
            assert cancellation_percent(policy, day) == percent, ja
