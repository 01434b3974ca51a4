"""Pure arithmetic and parsing for money: integer yen, exact rates, qualified-invoice totals,
registration numbers, cancellation fees, reference codes and bank statement CSVs.

Nothing here knows Flask or the database."""

import csv
import io
import math
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from stdnum.exceptions import ValidationError
from stdnum.jp import cn

TAX_RATES = (10, 8, 0)
MAX_AMOUNT = 100_000_000_000  # ¥100 billion: far beyond any ceremony, and well inside int64
REFERENCE_ALPHABET = "ACDEFHJKLMNPRTUVWXY3479"  # no look-alikes (0/O, 1/I, 5/S, 8/B, 2/Z, 6/G)
REFERENCE_LENGTH = 6


class MoneyError(ValueError):
    """Bad money input; ``code`` is stable, ``field`` names what was wrong."""

    def __init__(self, code: str, field: str = "", index: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.index = index


@dataclass(frozen=True)
class Line:
    description: str
    unit_price: int  # yen, before tax
    quantity: int
    tax_rate: int  # percent: 10, 8 or 0

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_line(line: Line, index: int | None = None) -> Line:
    """The line if every field is sound; MoneyError naming the field otherwise."""
    if not isinstance(line.description, str) or not line.description.strip():
        raise MoneyError("description", "description", index)
    if len(line.description) > 300:
        raise MoneyError("description_long", "description", index)
    if not _is_int(line.unit_price) or not 0 <= line.unit_price <= MAX_AMOUNT:
        raise MoneyError("unit_price", "unit_price", index)
    if not _is_int(line.quantity) or not 1 <= line.quantity <= 100_000:
        raise MoneyError("quantity", "quantity", index)
    if not _is_int(line.tax_rate) or line.tax_rate not in TAX_RATES:
        raise MoneyError("tax_rate", "tax_rate", index)
    if line.amount > MAX_AMOUNT:
        raise MoneyError("unit_price", "unit_price", index)
    return line


def tax_of(amount: int, rate: int) -> int:
    """Consumption tax on an amount at a rate, rounded down to the yen (切り捨て)."""
    return amount * rate // 100


def whole_tax_amount(amount: int, rate: int) -> int:
    """The amount itself, or the largest below it whose tax comes to whole yen (at 10 %: a
    multiple of ¥10, at 8 %: of ¥25). Part of a subtotal taken this way leaves no fraction of a
    yen behind: tax_of(part) + tax_of(subtotal - part) == tax_of(subtotal)."""
    step = 100 // math.gcd(100, rate) if rate else 1
    return amount // step * step


def tax_inclusive(price: int, rate: int) -> int:
    """The price a client sees (総額表示)."""
    return price + tax_of(price, rate)


@dataclass(frozen=True)
class Totals:
    """Per rate: the subtotal before tax and the tax, rounded once per rate per invoice."""

    subtotal_by_rate: dict[int, int]
    tax_by_rate: dict[int, int]

    @property
    def subtotal(self) -> int:
        return sum(self.subtotal_by_rate.values())

    @property
    def tax(self) -> int:
        return sum(self.tax_by_rate.values())

    @property
    def total(self) -> int:
        return self.subtotal + self.tax

    def as_json(self) -> dict[str, list[int]]:
        return {str(r): [self.subtotal_by_rate[r], self.tax_by_rate[r]] for r in self.rates}

    @property
    def rates(self) -> list[int]:
        return sorted(self.subtotal_by_rate, reverse=True)

    @classmethod
    def from_json(cls, data: dict) -> "Totals":
        return cls({int(r): v[0] for r, v in data.items()}, {int(r): v[1] for r, v in data.items()})


def totals(lines: Iterable[Line]) -> Totals:
    """Sum the lines per rate, then round the tax once per rate (never per line), as a
    qualified invoice requires."""
    subtotal: dict[int, int] = {}
    for line in lines:
        subtotal[line.tax_rate] = subtotal.get(line.tax_rate, 0) + line.amount
    return Totals(subtotal, {rate: tax_of(amount, rate) for rate, amount in subtotal.items()})


def net_for_gross(gross: int, rate: int) -> int:
    """The largest amount before tax whose tax-inclusive price does not exceed ``gross``."""
    net = gross * 100 // (100 + rate)
    while tax_inclusive(net + 1, rate) <= gross:
        net += 1
    return net


def split_gross(gross: int, shares: dict[int, int]) -> dict[int, int]:
    """Divide a tax-inclusive amount across rates in proportion to ``shares`` (gross per rate):
    integer arithmetic, the remainder on the largest share."""
    whole = sum(shares.values())
    if whole <= 0:
        return {}
    parts = {rate: gross * share // whole for rate, share in shares.items()}
    largest = max(shares, key=lambda r: (shares[r], r))
    parts[largest] += gross - sum(parts.values())
    return {rate: part for rate, part in parts.items() if part > 0}


def normalize_registration_number(text: str) -> str:
    """A qualified invoice issuer's number as T + 13 digits, check digit verified
    (full-width digits, spaces and hyphens accepted); MoneyError otherwise."""
    value = unicodedata.normalize("NFKC", text or "").strip().upper()
    value = re.sub(r"[\s\-‐－]", "", value)
    if not re.fullmatch(r"T\d{13}", value):
        raise MoneyError("registration_format", "registration_number")
    try:
        cn.validate(value[1:])
    except ValidationError:
        raise MoneyError("registration_check_digit", "registration_number") from None
    return value


def registration_number_for(digits12: str) -> str:
    """A check-digit-valid registration number from 12 digits (for fictional demo data)."""
    return f"T{cn.calc_check_digit(digits12)}{digits12}"


def cancellation_percent(policy: list, days_before: int) -> int:
    """The fee in percent for cancelling ``days_before`` days before the ceremony: the first
    tier (sorted by days, most first) whose day count is reached."""
    for days, percent in sorted(policy, key=lambda tier: -tier[0]):
        if days_before >= days:
            return percent
    return 100


def policy_rows(policy: list) -> list[tuple[str, str, int]]:
    """The policy as the ranges a client reads, most days first: (Japanese, English, percent),
    e.g. ("89〜60日前", "60–89 days before", 20). The days below the smallest tier cost
    100 % (cancellation_percent), and are written too."""
    rows, upper = [], None
    tiers = sorted(policy, key=lambda tier: -tier[0])
    if tiers and tiers[-1][0] > 0:
        tiers.append([0, 100])
    for days, percent in tiers:
        if upper is None and days == 0:
            ja, en = "いつでも", "at any time"
        elif upper is None:
            ja, en = f"{days}日前まで", f"{days} days or more before"
        elif days == upper == 0:
            ja, en = "当日", "on the day"
        elif days == 0:
            ja, en = f"{upper}日前〜当日", f"{upper} days before to the day"
        elif days == upper:
            ja, en = f"{days}日前", f"{days} day{'s' if days > 1 else ''} before"
        else:
            ja, en = f"{upper}〜{days}日前", f"{days}–{upper} days before"
        rows.append((ja, en, percent))
        upper = days - 1
    return rows


def check_policy(policy: list) -> list[list[int]]:
    """A cancellation policy as [[days_before, percent], …], most days first; MoneyError if a
    tier is not two whole numbers in range or days repeat."""
    tiers = []
    for tier in policy:
        if (
            not isinstance(tier, list | tuple)
            or len(tier) != 2
            or not all(_is_int(v) for v in tier)
            or not 0 <= tier[0] <= 3650
            or not 0 <= tier[1] <= 100
        ):
            raise MoneyError("policy", "cancellation_policy")
        tiers.append([tier[0], tier[1]])
    if not tiers or len({days for days, _ in tiers}) != len(tiers):
        raise MoneyError("policy", "cancellation_policy")
    return sorted(tiers, key=lambda tier: -tier[0])


def parse_policy(text: str) -> list[list[int]]:
    """A policy typed one tier a line as `days: percent` (e.g. `30: 50`)."""
    tiers = []
    for raw in unicodedata.normalize("NFKC", text).splitlines():
        if not raw.strip():
            continue
        # Bounded: int() of thousands of digits raises (a 500 on the settings page).
        match = re.fullmatch(r"\s*([0-9]{1,6})\s*[:：,]\s*([0-9]{1,6})\s*%?\s*", raw)
        if not match:
            raise MoneyError("policy", "cancellation_policy")
        tiers.append([int(match.group(1)), int(match.group(2))])
    return check_policy(tiers)


def new_reference_code() -> str:
    """A short code for the transfer name (振込名義), unguessable enough to find one invoice."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalize_transfer_text(text: str) -> str:
    """Bank statements write names in half-width kana and full-width letters: fold both."""
    return unicodedata.normalize("NFKC", text).upper().replace(" ", "")


def find_reference(text: str, codes: dict[str, object]):
    """The first known reference code inside a statement line's text, or None."""
    folded = normalize_transfer_text(text)
    for start in range(len(folded) - REFERENCE_LENGTH + 1):
        found = codes.get(folded[start : start + REFERENCE_LENGTH])
        if found is not None:
            return found
    return None


# --- bank statements ------------------------------------------------------------------------

DATE_HEADERS = ("日付", "取引日", "年月日", "お取引日", "入出金日", "勘定日", "date")
CREDIT_HEADERS = ("入金額", "お預り金額", "お預入金額", "預入金額", "入金", "credit", "deposit")
AMOUNT_HEADERS = ("金額", "取引金額", "amount")
TEXT_HEADERS = (
    "振込依頼人",
    "振込依頼人名",
    "依頼人名",
    "摘要",
    "お取引内容",
    "取引内容",
    "内容",
    "備考",
    "payer",
    "description",
    "name",
)


@dataclass(frozen=True)
class StatementLine:
    line_no: int
    booked_on: date
    amount: int  # a credit, in yen
    payer: str
    raw: str  # the line as read, for its fingerprint


def decode_statement(data: bytes) -> tuple[str, str]:
    """The text of a statement and the encoding it was in: UTF-8 (with or without BOM) or
    Shift_JIS (read as cp932, the superset banks actually write). MoneyError if neither."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, "utf-8" if encoding == "utf-8-sig" else "shift_jis"
    raise MoneyError("encoding", "file")


def _parse_date(text: str) -> date | None:
    value = unicodedata.normalize("NFKC", text).strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", value)
    if not match and re.fullmatch(r"\d{8}", value):
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _parse_amount(text: str) -> int | None:
    value = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace("¥", "")
    value = value.removesuffix("円").replace("\\", "")
    if not value:
        return None
    if not re.fullmatch(r"[+-]?[0-9]{1,15}", value):  # more is no amount (int() would raise)
        return None
    return int(value)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    folded = [unicodedata.normalize("NFKC", h).strip().lower() for h in header]
    for name in names:
        if name.lower() in folded:
            return folded.index(name.lower())
    return None


def read_statement(text: str) -> Iterator[StatementLine]:
    """The credits of a bank statement CSV with a header row (date, deposit or amount, and the
    payer's name or description, under the names Japanese banks use). MoneyError('columns') if
    the header names none of them; lines that are not credits are skipped."""
    rows = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for row in rows:
        if any(cell.strip() for cell in row):
            header = row
            break
    if header is None:
        raise MoneyError("empty", "file")
    date_col = _column(header, DATE_HEADERS)
    credit_col = _column(header, CREDIT_HEADERS)
    amount_col = _column(header, AMOUNT_HEADERS) if credit_col is None else None
    text_col = _column(header, TEXT_HEADERS)
    if date_col is None or text_col is None or (credit_col is None and amount_col is None):
        raise MoneyError("columns", "file")
    money_col = credit_col if credit_col is not None else amount_col
    width = max(date_col, money_col, text_col) + 1
    for line_no, row in enumerate(rows, start=2):
        if len(row) < width:
            continue
        booked_on = _parse_date(row[date_col])
        amount = _parse_amount(row[money_col])
        if booked_on is None or amount is None or amount <= 0 or amount > MAX_AMOUNT:
            continue
        yield StatementLine(line_no, booked_on, amount, row[text_col].strip()[:200], ",".join(row))
