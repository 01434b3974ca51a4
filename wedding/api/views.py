"""/api/v1: venues, availability and bookings for integrations."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, g, jsonify, request, url_for

from wedding import almanac
from wedding.accounts.access import acting_org_id, get_owned_or_404, org_select
from wedding.accounts.services import token_caller
from wedding.api.openapi import openapi_document
from wedding.api.problems import ApiProblem, problem_response
from wedding.billing import services as billing
from wedding.billing.models import Invoice
from wedding.booking import services as booking
from wedding.booking.availability import Busy, Day
from wedding.booking.services import BookingError, SlotUnavailable
from wedding.ceremonies.models import Ceremony
from wedding.clients.models import Client
from wedding.freshness import cached_response
from wedding.guests.services import guests_of
from wedding.inputs import (
    DB_INT_MAX,
    FIRST_DATE,
    LAST_DATE,
    db_int,
    in_supported_range,
    parse_date,
)
from wedding.models import db, utcnow
from wedding.tasks.services import assignee_label, assignee_names, tasks_of
from wedding.venues.models import Venue

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_RANGE_DAYS = 62


@bp.before_request
def require_token():
    """Who the bearer token speaks for (``g.api_caller``), checked in one query without
    loading the user: a response served from the cache, or a view that needs only the company,
    needs no more."""
    if request.endpoint == "api.openapi":
        return None
    # Only a bearer token counts here: a browser's session cookie never opens the API.
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    caller = token_caller(secret.strip()) if scheme.lower() == "bearer" else None
    if caller is None:
        raise ApiProblem(
            401, "Unauthorized", "Send a valid API token as `Authorization: Bearer ...`."
        )
    g.api_caller = caller
    if request.method != "GET" and not caller.can_edit:
        raise ApiProblem(403, "Forbidden", "This token's user may read but not change bookings.")
    return None


@bp.teardown_request
def forget_caller(exc) -> None:
    """The caller belongs to its request: a test that keeps one app context for several
    requests must not have a page after it answered, or cached, as this caller."""
    g.pop("api_caller", None)


@bp.errorhandler(ApiProblem)
def handle_problem(problem: ApiProblem):
    return problem_response(problem)


def _iso(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).isoformat()


def venue_json(venue: Venue) -> dict:
    return {
        "id": venue.id,
        "name": venue.name,
        "address": venue.address,
        "timezone": venue.timezone,
        "capacity": venue.capacity,
        "durations": sorted(venue.durations or []),
        "buffer_minutes": venue.buffer_minutes,
        "hold_days": venue.hold_days,
        "opening_hours": [
            {
                "weekday": h.weekday,
                "opens": h.opens.strftime("%H:%M"),
                "closes": h.closes.strftime("%H:%M"),
            }
            for h in venue.hours
        ],
    }


def booking_json(ceremony: Ceremony) -> dict:
    tz = ceremony.venue.timezone
    return {
        "id": ceremony.id,
        "venue_id": ceremony.venue_id,
        "client_id": ceremony.client_id,
        "status": ceremony.status,
        "start": _iso(ceremony.starts_at, tz),
        "end": _iso(ceremony.ends_at, tz),
        "duration_minutes": int((ceremony.ends_at - ceremony.starts_at).total_seconds() // 60),
        "guest_count": ceremony.guest_count,
        "hold_expires_at": _iso(ceremony.hold_expires_at, tz) if ceremony.hold_expires_at else None,
        "deposit_amount": ceremony.deposit_amount,
        "url": url_for("api.get_booking", booking_id=ceremony.id, _external=True),
    }


def _range(busy: Busy, tz: str) -> dict:
    return {"start": _iso(busy.starts_at, tz), "end": _iso(busy.ends_at, tz)}


def day_json(day: Day, tz: str) -> dict:
    return {
        "date": day.date.isoformat(),
        "rokuyo": day.info.rokuyo,
        "rokuyo_romaji": day.info.rokuyo_romaji,
        "uncertain": day.info.uncertain,
        "holiday": almanac.local_holiday(day.date, tz),  # where the venue is
        "closed": day.closed,
        "free": [_iso(start, tz) for start in day.free],
        "held": [_range(b, tz) for b in day.held],
        "booked": [_range(b, tz) for b in day.booked],
    }


def unavailable_problem(error: SlotUnavailable) -> ApiProblem:
    status = 409 if error.code == "taken" else 422
    return ApiProblem(
        status,
        "Slot taken" if error.code == "taken" else "Slot not bookable",
        str(error),
        type_=f"slot-{error.code.replace('_', '-')}",
        extra={
            "code": error.code,
            "alternatives": [_iso(a, error.timezone) for a in error.alternatives],
            "auspicious_days": [
                {
                    "date": d.date.isoformat(),
                    "rokuyo": d.info.rokuyo,
                    "first_free": _iso(d.free[0], error.timezone),
                }
                for d in error.auspicious
            ],
        },
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(request.url_root.rstrip("/")))


@bp.get("/venues")
def list_venues():
    venues = db.session.scalars(org_select(Venue, include_archived=False).order_by(Venue.id))
    return jsonify({"venues": [venue_json(v) for v in venues]})


def _date_param(name: str) -> date:
    try:
        return parse_date(request.args.get(name, ""))
    except ValueError:
        raise ApiProblem(
            400,
            "Bad request",
            f"`{name}` must be a date as YYYY-MM-DD between {FIRST_DATE} and {LAST_DATE}.",
        ) from None


@bp.get("/venues/<int:venue_id>/availability")
@cached_response
def venue_availability(venue_id: int):
    venue = get_owned_or_404(Venue, venue_id, *booking.rules_options(joined=True))
    first, last = _date_param("from"), _date_param("to")
    if last < first:
        raise ApiProblem(400, "Bad request", "`to` is before `from`.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ApiProblem(400, "Bad request", f"Ask for at most {MAX_RANGE_DAYS} days at a time.")
    duration = request.args.get("duration_minutes")
    if duration is not None:
        try:
            duration = db_int(duration)
        except ValueError:
            raise ApiProblem(
                400, "Bad request", "`duration_minutes` must be a whole number of minutes."
            ) from None
    days = booking.availability([venue], first, last, duration=duration)[venue.id]
    return jsonify(
        {
            "venue_id": venue.id,
            "timezone": venue.timezone,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "days": [day_json(d, venue.timezone) for d in days],
        }
    )


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiProblem(
            400, "Bad request", "Send a JSON object with Content-Type: application/json."
        )
    return data


def _field(data: dict, name: str, kind: type, required: bool = True):
    value = data.get(name)
    if value is None:
        if required:
            raise ApiProblem(
                422, "Invalid booking", f"`{name}` is required.", extra={"field": name}
            )
        return None
    if kind is int and (
        isinstance(value, bool) or not isinstance(value, int) or abs(value) > DB_INT_MAX
    ):
        raise ApiProblem(
            422,
            "Invalid booking",
            f"`{name}` must be an integer of at most {DB_INT_MAX}.",
            extra={"field": name},
        )
    if kind is str and not isinstance(value, str):
        raise ApiProblem(
            422, "Invalid booking", f"`{name}` must be a string.", extra={"field": name}
        )
    return value


@bp.post("/bookings")
def create_booking():
    data = _body()
    venue_id = _field(data, "venue_id", int)
    start_text = _field(data, "start", str)
    duration = _field(data, "duration_minutes", int)
    client_id = _field(data, "client_id", int, required=False)
    guests = _field(data, "guest_count", int, required=False)
    status = data.get("status", "hold")
    if status != "hold":
        raise ApiProblem(
            422,
            "Invalid booking",
            '`status` must be "hold"; confirm afterwards.',
            extra={"field": "status"},
        )
    try:
        starts_at = datetime.fromisoformat(start_text)
    except ValueError:
        starts_at = None
    if starts_at is None or starts_at.tzinfo is None or not in_supported_range(starts_at.date()):
        raise ApiProblem(
            422,
            "Invalid booking",
            "`start` must be ISO 8601 with a UTC offset, e.g. 2027-04-03T11:00:00+09:00, "
            f"between {FIRST_DATE} and {LAST_DATE}.",
            extra={"field": "start"},
        )
    venue = (
        db.session.scalars(
            org_select(Venue, include_archived=False)
            .where(Venue.id == venue_id)
            .options(*booking.rules_options(joined=True))
        )
        .unique()
        .one_or_none()
    )
    if venue is None:
        raise ApiProblem(422, "Invalid booking", "No such venue.", extra={"field": "venue_id"})
    if (
        client_id is not None
        and db.session.scalar(
            org_select(Client, include_archived=False).where(Client.id == client_id)
        )
        is None
    ):
        raise ApiProblem(422, "Invalid booking", "No such client.", extra={"field": "client_id"})
    ceremony = Ceremony(org_id=acting_org_id(), client_id=client_id)
    try:
        booking.hold(ceremony, venue, starts_at, duration, guests=guests)
    except SlotUnavailable as error:
        db.session.rollback()
        raise unavailable_problem(error) from None
    except BookingError as error:
        db.session.rollback()
        raise ApiProblem(422, "Invalid booking", str(error), extra={"code": error.code}) from None
    # No viewer link here: a hold from an integration has no companion yet; the planner makes
    # the link on the ceremony's page (or it comes when the ceremony is scheduled there).
    body = booking_json(ceremony)  # before the commit expires what we just wrote
    db.session.commit()
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_booking", booking_id=body["id"])
    return response


@bp.get("/bookings/<int:booking_id>")
def get_booking(booking_id: int):
    return jsonify(booking_json(get_owned_or_404(Ceremony, booking_id)))


INVOICE_PROBLEMS = {
    "items": "`items` must be a non-empty list of objects.",
    "too_many_items": "At most 200 items per invoice.",
    "description": "Each item needs a `description` (text).",
    "description_long": "An item's `description` is at most 300 characters.",
    "unit_price": "`unit_price` must be whole yen before tax, 0 or more.",
    "quantity": "`quantity` must be a whole number, 1 or more.",
    "tax_rate": "`tax_rate` must be 10, 8 or 0.",
    "no_registration": (
        "Set the company's invoice details (issuer name and registration number) first: "
        "a qualified invoice needs them."
    ),
}


@bp.post("/ceremonies/<int:ceremony_id>/invoices")
def create_invoice(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    data = _body()
    kind = data.get("kind")
    if kind not in ("deposit", "balance", "other"):
        raise ApiProblem(
            422,
            "Invalid invoice",
            '`kind` must be "deposit", "balance" or "other".',
            extra={"field": "kind"},
        )
    try:
        due = parse_date(data.get("due"))
    except ValueError:
        raise ApiProblem(
            422,
            "Invalid invoice",
            f"`due` must be a date as YYYY-MM-DD between {FIRST_DATE} and {LAST_DATE}.",
            extra={"field": "due"},
        ) from None
    try:
        lines = billing.lines_from_data(data.get("items"))
        today = billing.local_today(utcnow(), ceremony)
        invoice = billing.create_invoice(ceremony, kind, due, lines, today)
    except billing.BillingError as error:
        db.session.rollback()
        where = f"items[{error.index}]: " if error.index is not None else ""
        extra = {"code": error.code}
        if error.field:
            extra["field"] = error.field
        detail = where + INVOICE_PROBLEMS.get(error.code, error.code)
        raise ApiProblem(422, "Invalid invoice", detail, extra=extra) from None
    body = billing.invoice_json(invoice)
    db.session.commit()
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_invoice", invoice_id=body["id"])
    return response


@bp.get("/invoices/<int:invoice_id>")
def get_invoice(invoice_id: int):
    return jsonify(billing.invoice_json(get_owned_or_404(Invoice, invoice_id)))


def _transition(booking_id: int, action) -> Response:
    ceremony = get_owned_or_404(Ceremony, booking_id)
    try:
        action(ceremony)
    except BookingError as error:
        db.session.rollback()
        raise ApiProblem(409, "Not possible now", str(error), extra={"code": error.code}) from None
    db.session.commit()
    return jsonify(booking_json(ceremony))


@bp.post("/bookings/<int:booking_id>/confirm")
def confirm_booking(booking_id: int):
    data = _body() if request.get_data(cache=True) else {}  # a body, if sent, is an object
    deposit = _field(data, "deposit_amount", int, required=False)
    return _transition(booking_id, lambda c: booking.confirm(c, deposit=deposit))


@bp.post("/bookings/<int:booking_id>/cancel")
def cancel_booking(booking_id: int):
    return _transition(booking_id, booking.cancel)


@bp.get("/ceremonies/<int:ceremony_id>/tasks")
def ceremony_tasks(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    tasks = tasks_of(ceremony.id)
    names = assignee_names(ceremony.org_id)
    return jsonify(
        {
            "tasks": [
                {
                    "id": task.id,
                    "title": task.title,
                    "due": task.due_on.isoformat(),
                    "done": not task.is_open,
                    "assignee": assignee_label(task, names),
                }
                for task in tasks
            ]
        }
    )


@bp.get("/ceremonies/<int:ceremony_id>/guests")
def ceremony_guests(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    return jsonify(
        {
            "guests": [
                {"id": guest.id, "name": guest.name, "rsvp": guest.rsvp}
                for guest in guests_of(ceremony.id)
            ]
        }
    )
