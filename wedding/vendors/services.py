"""Vendors and orders; the print file that goes with a panel or stand order."""

import base64
import io
import unicodedata
from datetime import date
from html import escape

from PIL import Image, UnidentifiedImageError

from wedding.billing.messages import MESSAGES
from wedding.billing.money import MoneyError, normalize_registration_number
from wedding.ceremonies.models import Ceremony
from wedding.documents.render import html_to_pdf
from wedding.i18n import lazy_gettext as _l
from wedding.models import db
from wedding.personas.models import Companion
from wedding.storage.models import StoredFile
from wedding.tasks.models import Task
from wedding.vendors.models import ORDER_STATUSES, Order, Vendor

MIN_PRINT_DPI = 100  # below this a large-format print looks soft
NOT_PRINTABLE = _l(
    "The companion's artwork may not be printed: tick “The artwork may be printed” on the "
    "companion's page once its rights holder allows it."
)


class VendorError(ValueError):
    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field


def registration_number(value: str) -> str:
    """A qualified-invoice registration number as 'T' and 13 digits, or '' when none is given.

    Read as the company's own is (billing.money: full-width as a Japanese input method types
    it, hyphens and spaces), and the T may be left out; a wrong length and a wrong check digit
    are told apart."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    if not value:
        return ""
    try:
        return normalize_registration_number(value if value[0] in "Tt" else "T" + value)
    except MoneyError as error:
        raise VendorError("registration_number", MESSAGES[error.code]) from None


def vendors_of(org_id: int, archived: bool = False) -> list[Vendor]:
    """The company's vendors in use (the pickers offer only these), or the archived ones."""
    shown = Vendor.archived_at.is_not(None) if archived else Vendor.archived_at.is_(None)
    return list(
        db.session.scalars(
            db.select(Vendor)
            .where(Vendor.org_id == org_id, shown)
            .order_by(Vendor.kind, Vendor.name)
        )
    )


def save_vendor(org_id: int, vendor: Vendor | None, fields: dict) -> Vendor:
    fields = {
        **fields,
        "registration_number": registration_number(fields.get("registration_number", "")),
    }
    if vendor is None:
        vendor = Vendor(org_id=org_id)
        db.session.add(vendor)
    for name, value in fields.items():
        setattr(vendor, name, value)
    db.session.flush()
    return vendor


def orders_of(ceremony_id: int) -> list[Order]:
    return list(
        db.session.scalars(
            db.select(Order).where(Order.ceremony_id == ceremony_id).order_by(Order.id)
        )
    )


def _check_order(ceremony: Ceremony, fields: dict, kept_vendor_id: int | None = None) -> None:
    """Refuse an order's fields that do not hold together: a print size is both sides or none
    (one side alone made an order with no print file); the vendor is the company's and in use
    (an order keeps its own vendor after that vendor is archived); the task is this ceremony's."""
    width, height = fields.get("print_width_mm"), fields.get("print_height_mm")
    if (width is None) != (height is None):
        missing = "print_height_mm" if height is None else "print_width_mm"
        raise VendorError(missing, _l("Give both the width and the height, or neither."))
    vendor = db.session.get(Vendor, fields["vendor_id"])
    if (
        vendor is None
        or vendor.org_id != ceremony.org_id
        or (vendor.archived and vendor.id != kept_vendor_id)
    ):
        raise VendorError("vendor_id", _l("Choose one from the list."))
    task_id = fields.get("task_id")
    if task_id is not None:
        task = db.session.get(Task, task_id)
        if task is None or task.ceremony_id != ceremony.id:
            raise VendorError("task_id", _l("Choose one from the list."))


def place_order(ceremony: Ceremony, fields: dict, today: date) -> Order:
    """An order of this ceremony from one of the company's vendors, optionally for a task."""
    _check_order(ceremony, fields)
    order = Order(org_id=ceremony.org_id, ceremony_id=ceremony.id, ordered_on=today, **fields)
    db.session.add(order)
    db.session.flush()
    return order


def change_order(order: Order, ceremony: Ceremony, fields: dict) -> Order:
    """Correct what was ordered (a wrong quantity, cost or size); its state and the day it was
    ordered stay as they are."""
    _check_order(ceremony, fields, kept_vendor_id=order.vendor_id)
    for name, value in fields.items():
        setattr(order, name, value)
    db.session.flush()
    return order


def remove_order(order: Order) -> None:
    """An order entered by mistake, or called off: gone from the list and from its total."""
    db.session.delete(order)
    db.session.flush()


def set_order_status(order: Order, status: str) -> None:
    if status not in ORDER_STATUSES:
        raise VendorError("status", _l("Choose one from the list."))
    order.status = status
    db.session.flush()


def _portrait(ceremony: Ceremony) -> tuple[Companion | None, StoredFile | None]:
    companion = db.session.get(Companion, ceremony.companion_id) if ceremony.companion_id else None
    stored = (
        db.session.get(StoredFile, companion.portrait_id)
        if companion is not None and companion.portrait_id
        else None
    )
    return companion, stored


def _print_dpi(order: Order, data: bytes) -> int | None:
    """The portrait's effective resolution at the order's trim size plus bleed (None if the
    picture cannot be read): object-fit: cover scales the picture until both sides fill the
    page, so the side that just fills it sets it, the smaller of the two."""
    width = order.print_width_mm + 2 * order.bleed_mm
    height = order.print_height_mm + 2 * order.bleed_mm
    try:
        with Image.open(io.BytesIO(data)) as image:
            pixels_w, pixels_h = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return int(min(pixels_w / (width / 25.4), pixels_h / (height / 25.4)))


def print_resolutions(orders: list[Order], ceremony: Ceremony) -> dict[int, int]:
    """Each sized order's print resolution in dpi (for the orders page, which says when a
    print would look soft before anyone sends the file), when the portrait may be printed."""
    companion, stored = _portrait(ceremony)
    if stored is None or not companion.artwork_printable:
        return {}
    sized = [order for order in orders if order.print_width_mm and order.print_height_mm]
    found = {order.id: _print_dpi(order, stored.data) for order in sized}
    return {order_id: dpi for order_id, dpi in found.items() if dpi is not None}


def print_file_pdf(order: Order, ceremony: Ceremony) -> tuple[bytes, int]:
    """The panel's print file: the companion's portrait filling trim size plus bleed, as a PDF
    through the documents' renderer (which reads nothing but what we give it). Returns the PDF
    and the portrait's effective resolution in dpi at that size. Only for artwork the companion's
    page says may be printed (the documents and the AR screen ask the same)."""
    if not (order.print_width_mm and order.print_height_mm):
        raise VendorError("print_width_mm", _l("Give the print size first."))
    companion, stored = _portrait(ceremony)
    if stored is None:
        raise VendorError("print_width_mm", _l("The companion has no portrait yet."))
    if not companion.artwork_printable:
        raise VendorError("print_width_mm", NOT_PRINTABLE)
    dpi = _print_dpi(order, stored.data)
    if dpi is None:
        raise VendorError("print_width_mm", _l("The companion's portrait cannot be read."))
    width = order.print_width_mm + 2 * order.bleed_mm
    height = order.print_height_mm + 2 * order.bleed_mm
    data_uri = f"data:{stored.content_type};base64,{base64.b64encode(stored.data).decode()}"
    html = (
        f"<style>@page {{ size: {width}mm {height}mm; margin: 0 }}"
        "html, body { margin: 0 } img { display: block; width: 100%; height: 100vh;"
        " object-fit: cover }</style>"
        f'<img src="{escape(data_uri)}" alt="">'
    )
    return html_to_pdf(html), dpi
