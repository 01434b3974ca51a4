"""The OpenAPI 3.1 description of /api/v1; a test checks it against the routes and responses."""

DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str, schema: str = "Problem") -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref(schema)}},
    }


SCHEMAS = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "field": {"type": "string"},
        },
    },
    "SlotProblem": {
        "allOf": [
            _ref("Problem"),
            {
                "type": "object",
                "required": ["code", "alternatives", "auspicious_days"],
                "properties": {
                    "alternatives": {
                        "type": "array",
                        "description": "The nearest free start times, in the venue's zone.",
                        "items": DATE_TIME,
                    },
                    "auspicious_days": {
                        "type": "array",
                        "description": "The next 大安/友引 days with a free slot.",
                        "items": {
                            "type": "object",
                            "required": ["date", "rokuyo", "first_free"],
                            "properties": {
                                "date": DATE,
                                "rokuyo": {"type": "string"},
                                "first_free": DATE_TIME,
                            },
                        },
                    },
                },
            },
        ]
    },
    "OpeningHours": {
        "type": "object",
        "required": ["weekday", "opens", "closes"],
        "properties": {
            "weekday": {"type": "integer", "minimum": 0, "maximum": 6, "description": "0 = Monday"},
            "opens": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "closes": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
        },
    },
    "Venue": {
        "type": "object",
        "required": ["id", "name", "timezone", "durations", "buffer_minutes", "opening_hours"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "address": {"type": "string"},
            "timezone": {"type": "string", "examples": ["Asia/Tokyo"]},
            "capacity": {"type": ["integer", "null"]},
            "durations": {"type": "array", "items": {"type": "integer"}},
            "buffer_minutes": {"type": "integer"},
            "hold_days": {"type": "integer"},
            "opening_hours": {"type": "array", "items": _ref("OpeningHours")},
        },
    },
    "TimeRange": {
        "type": "object",
        "required": ["start", "end"],
        "properties": {"start": DATE_TIME, "end": DATE_TIME},
    },
    "Day": {
        "type": "object",
        "required": ["date", "rokuyo", "rokuyo_romaji", "uncertain", "holiday", "closed", "free"],
        "properties": {
            "date": DATE,
            "rokuyo": {"type": "string", "enum": ["大安", "赤口", "先勝", "友引", "先負", "仏滅"]},
            "rokuyo_romaji": {"type": "string"},
            "uncertain": {"type": "boolean", "description": "Almanacs disagree (2033–34)."},
            "holiday": {
                "type": ["string", "null"],
                "description": "The public holiday where the venue is: Japan's in Japanese, "
                "another country's in English.",
            },
            "closed": {
                "type": ["string", "null"],
                "enum": [None, "past", "too_far", "closed", "no_hours"],
            },
            "free": {"type": "array", "items": DATE_TIME},
            "held": {"type": "array", "items": _ref("TimeRange")},
            "booked": {"type": "array", "items": _ref("TimeRange")},
        },
    },
    "Availability": {
        "type": "object",
        "required": ["venue_id", "timezone", "from", "to", "days"],
        "properties": {
            "venue_id": {"type": "integer"},
            "timezone": {"type": "string"},
            "from": DATE,
            "to": DATE,
            "days": {"type": "array", "items": _ref("Day")},
        },
    },
    "BookingRequest": {
        "type": "object",
        "required": ["venue_id", "start", "duration_minutes"],
        "properties": {
            "venue_id": {"type": "integer"},
            "start": {**DATE_TIME, "description": "ISO 8601 with a UTC offset."},
            "duration_minutes": {"type": "integer"},
            "client_id": {"type": "integer"},
            "guest_count": {"type": "integer", "minimum": 0},
            "status": {"type": "string", "enum": ["hold"], "default": "hold"},
        },
    },
    "ConfirmRequest": {
        "type": "object",
        "properties": {"deposit_amount": {"type": "integer", "minimum": 0}},
    },
    "Booking": {
        "type": "object",
        "required": ["id", "venue_id", "status", "start", "end", "duration_minutes", "url"],
        "properties": {
            "id": {"type": "integer"},
            "venue_id": {"type": "integer"},
            "client_id": {"type": ["integer", "null"]},
            "status": {
                "type": "string",
                "enum": [
                    "draft",
                    "waitlisted",
                    "hold",
                    "confirmed",
                    "completed",
                    "cancelled",
                    "expired",
                ],
            },
            "start": DATE_TIME,
            "end": DATE_TIME,
            "duration_minutes": {"type": "integer"},
            "guest_count": {"type": ["integer", "null"]},
            "hold_expires_at": {"type": ["string", "null"], "format": "date-time"},
            "deposit_amount": {"type": ["integer", "null"]},
            "url": {"type": "string"},
        },
    },
}

_BY_RATE = {
    "type": "object",
    "description": 'Keyed by the tax rate in percent as a string: "10", "8", "0".',
    "propertyNames": {"enum": ["10", "8", "0"]},
    "additionalProperties": {"type": "integer"},
}
SCHEMAS["InvoiceItem"] = {
    "type": "object",
    "required": ["description", "unit_price", "quantity", "tax_rate"],
    "properties": {
        "description": {"type": "string", "maxLength": 300},
        "unit_price": {"type": "integer", "minimum": 0, "description": "Yen, before tax."},
        "quantity": {"type": "integer", "minimum": 1},
        "tax_rate": {"type": "integer", "enum": [10, 8, 0]},
    },
}
SCHEMAS["InvoiceRequest"] = {
    "type": "object",
    "required": ["kind", "due", "items"],
    "properties": {
        "kind": {"type": "string", "enum": ["deposit", "balance", "other"]},
        "due": DATE,
        "items": {"type": "array", "minItems": 1, "maxItems": 200, "items": _ref("InvoiceItem")},
    },
}
SCHEMAS["Invoice"] = {
    "type": "object",
    "description": (
        "A qualified invoice (適格請求書): tax is rounded once per rate per invoice. "
        'Credit notes have kind "credit".'
    ),
    "required": ["id", "number", "status", "subtotal_by_rate", "tax_by_rate", "total"],
    "properties": {
        "id": {"type": "integer"},
        "ceremony_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["deposit", "balance", "other", "credit"]},
        "number": {"type": ["string", "null"], "examples": ["INV-000001"]},
        "status": {
            "type": "string",
            "enum": ["draft", "issued", "paid", "partially_paid", "cancelled"],
        },
        "issue_date": {"type": ["string", "null"], "format": "date"},
        "due": DATE,
        "recipient": {"type": "string"},
        "registration_number": {"type": "string", "pattern": "^(T[0-9]{13})?$"},
        "reference_code": {"type": "string", "description": "Put before the transfer name."},
        "items": {"type": "array", "items": _ref("InvoiceItem")},
        "subtotal_by_rate": _BY_RATE,
        "tax_by_rate": _BY_RATE,
        "total": {"type": "integer", "description": "Yen, tax included."},
        "paid": {"type": "integer"},
        "credit_for_id": {"type": ["integer", "null"]},
    },
}

SCHEMAS["Tasks"] = {
    "type": "object",
    "required": ["tasks"],
    "properties": {
        "tasks": {
            "type": "array",
            "description": "The ceremony's tasks, soonest first.",
            "items": {
                "type": "object",
                "required": ["id", "title", "due", "done", "assignee"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "due": {**DATE, "description": "On the venue's calendar (YYYY-MM-DD)."},
                    "done": {"type": "boolean", "description": "Done, or marked not needed."},
                    "assignee": {
                        "type": "string",
                        "description": "The staff member's name, or else the role: planner, "
                        "ar_operator, photographer or vow_reader.",
                    },
                },
            },
        }
    },
}

SCHEMAS["Guests"] = {
    "type": "object",
    "required": ["guests"],
    "properties": {
        "guests": {
            "type": "array",
            "description": "The ceremony's guests in the order they were invited.",
            "items": {
                "type": "object",
                "required": ["id", "name", "rsvp"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "rsvp": {"enum": ["yes", "online", "no", "pending"]},
                },
            },
        }
    },
}

_UNAUTHORIZED = _problem("No valid API token.")
_NOT_FOUND = _problem("No such record in your company.")


def _id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _transition(summary: str, body: bool = False) -> dict:
    operation = {
        "summary": summary,
        "parameters": [_id_param("booking_id")],
        "responses": {
            "200": _json(_ref("Booking"), "The booking after the change."),
            "401": _UNAUTHORIZED,
            "403": _problem("The token's user may only read."),
            "404": _NOT_FOUND,
            "409": _problem("The booking is not in a state that allows this."),
        },
    }
    if body:
        operation["responses"]["400"] = _problem("A body was sent that is not a JSON object.")
        operation["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": _ref("ConfirmRequest")}},
        }
    return {"post": operation}


def openapi_document(server_url: str = "") -> dict:
    """The API description, with this server's URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Nijigen Wedding Planner API",
            "version": "1.0.0",
            "description": (
                "Venues, availability (with rokuyō and Japanese holidays), bookings and qualified "
                "invoices of one planner company. "
                "Authenticate with `Authorization: Bearer <token>` "
                "(`flask --app wedding token create EMAIL`). Errors are RFC 9457 problem details."
            ),
        },
        "servers": [{"url": f"{server_url}/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {}},
                        }
                    },
                }
            },
            "/venues": {
                "get": {
                    "summary": "The company's venues and their booking rules",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["venues"],
                                "properties": {"venues": {"type": "array", "items": _ref("Venue")}},
                            },
                            "Venues, oldest first.",
                        ),
                        "401": _UNAUTHORIZED,
                    },
                }
            },
            "/venues/{venue_id}/availability": {
                "get": {
                    "summary": "Free, held and booked slots per day, with rokuyō and holidays",
                    "parameters": [
                        _id_param("venue_id"),
                        {"name": "from", "in": "query", "required": True, "schema": DATE},
                        {"name": "to", "in": "query", "required": True, "schema": DATE},
                        {
                            "name": "duration_minutes",
                            "in": "query",
                            "required": False,
                            "description": (
                                "Slots free for this long, when it is one of the venue's "
                                "durations; otherwise for its shortest."
                            ),
                            "schema": {"type": "integer", "minimum": 0},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            _ref("Availability"), "One entry per day from `from` to `to`."
                        ),
                        "400": _problem(
                            "Missing or bad dates, more than 62 days, or a duration that is "
                            "not a whole number."
                        ),
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                    },
                }
            },
            "/bookings": {
                "post": {
                    "summary": "Hold a slot",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("BookingRequest")}},
                    },
                    "responses": {
                        "201": _json(_ref("Booking"), "The hold, with a Location header."),
                        "400": _problem("The body is not a JSON object."),
                        "401": _UNAUTHORIZED,
                        "403": _problem("The token's user may only read."),
                        "409": _problem(
                            "The slot is taken; alternatives are offered.", "SlotProblem"
                        ),
                        "422": _problem(
                            "The request breaks a rule (fields, venue hours, closed day …).",
                            "Problem",
                        ),
                    },
                }
            },
            "/bookings/{booking_id}": {
                "get": {
                    "summary": "One booking",
                    "parameters": [_id_param("booking_id")],
                    "responses": {
                        "200": _json(_ref("Booking"), "The booking."),
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                    },
                }
            },
            "/bookings/{booking_id}/confirm": _transition("Confirm a hold", body=True),
            "/ceremonies/{ceremony_id}/invoices": {
                "post": {
                    "summary": "Issue a qualified invoice for a ceremony",
                    "parameters": [_id_param("ceremony_id")],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("InvoiceRequest")}},
                    },
                    "responses": {
                        "201": _json(_ref("Invoice"), "The issued invoice, numbered."),
                        "400": _problem("The body is not a JSON object."),
                        "401": _UNAUTHORIZED,
                        "403": _problem("The token's user may only read."),
                        "404": _NOT_FOUND,
                        "422": _problem(
                            "A field is wrong (kind, due, an item's price, quantity or rate), "
                            "or the company has no registration number yet."
                        ),
                    },
                }
            },
            "/invoices/{invoice_id}": {
                "get": {
                    "summary": "One invoice",
                    "parameters": [_id_param("invoice_id")],
                    "responses": {
                        "200": _json(_ref("Invoice"), "The invoice."),
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                    },
                }
            },
            "/bookings/{booking_id}/cancel": _transition("Release a hold or cancel a booking"),
            "/ceremonies/{ceremony_id}/guests": {
                "get": {
                    "summary": "A ceremony's guests and their replies",
                    "parameters": [_id_param("ceremony_id")],
                    "responses": {
                        "200": _json(_ref("Guests"), "The guests."),
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                    },
                }
            },
            "/ceremonies/{ceremony_id}/tasks": {
                "get": {
                    "summary": "A ceremony's checklist: tasks counted from its date",
                    "parameters": [_id_param("ceremony_id")],
                    "responses": {
                        "200": _json(_ref("Tasks"), "The tasks."),
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                    },
                }
            },
        },
    }
