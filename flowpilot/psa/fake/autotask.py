"""The fake's Autotask: the zone lookup (`/atservicesrest/v1.0/zoneInformation`, naming this server
as the zone) and the REST API under `/atservicesrest/V1.0/`.

It checks the ApiIntegrationCode, UserName and Secret headers (401), answers 500 to a body with a
null field (as Autotask can), checks note and time entry bodies against its own picklists (400),
knows only the child URL for notes (`/Tickets/{id}/Notes`; `/TicketNotes` POST is 404), and evaluates
query filters with eq, noteq, in, contains and beginsWith.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flowpilot.psa.connectors.base import Provider

from . import seeds
from .exchange import FakeRequest, HttpError, Reply
from .store import FakeNote, FakeStore, FakeTicket, FakeTimeEntry

PROVIDER = Provider.AUTOTASK
PREFIX = "/atservicesrest/"
API_PREFIX = "/atservicesrest/v1.0"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

STATUSES = [("1", "New"), ("8", "In Progress"), ("7", "Waiting Customer"), ("5", "Complete")]
NOTE_TYPES = [
    ("1", "Task Summary", False),
    ("2", "Task Detail", True),
    ("3", "Task Notes", False),
    ("13", "Resolution", False),
]
PUBLISH = [("1", "All Autotask Users", True), ("2", "Internal Project Team", False)]


def handles(path: str) -> bool:
    return path.lower().startswith(PREFIX)


def _errors(status: int, *messages: str) -> HttpError:
    return HttpError(status, {"errors": list(messages)})


def _picklist(name: str, values: list[tuple], *, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "dataType": "integer",
        "isPickList": True,
        "isRequired": required,
        "picklistValues": [
            {
                "value": value[0],
                "label": value[1],
                "isDefaultValue": len(value) > 2 and value[2],
                "sortOrder": index,
                "isActive": True,
                "isSystem": True,
            }
            for index, value in enumerate(values)
        ],
    }


def _text_field(name: str, length: int) -> dict[str, Any]:
    return {"name": name, "dataType": "string", "length": length, "isPickList": False, "picklistValues": None}


def _entity_fields(entity: str) -> list[dict[str, Any]]:
    """The fields Autotask describes for `entity`, built from the picklists as they are now (tests change them)."""
    if entity == "tickets":
        return [
            {"name": "id", "dataType": "long", "isPickList": False, "picklistValues": None},
            _text_field("ticketNumber", 50),
            _text_field("title", 255),
            _text_field("description", 8000),
            _picklist("status", STATUSES, required=True),
        ]
    return [
        _text_field("title", 250),
        _text_field("description", 32000),
        _picklist("noteType", NOTE_TYPES, required=True),
        _picklist("publish", PUBLISH, required=True),
    ]


def _status_value(label: str) -> int:
    return int(next((value for value, name in STATUSES if name == label), "1"))


def _ticket_json(ticket: FakeTicket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "ticketNumber": ticket.number,
        "title": ticket.summary,
        "description": ticket.description,
        "companyID": ticket.company_id,
        "status": _status_value("Complete") if ticket.closed else _status_value(ticket.status),
        "assignedResourceID": int(ticket.owner.resource_id) if ticket.owner.resource_id else None,
        "assignedResourceRoleID": int(ticket.owner.role_id) if ticket.owner.role_id else None,
        "priority": 2,
        "queueID": 29682833,
    }


def _check_auth(request: FakeRequest) -> None:
    if (
        request.header("ApiIntegrationCode") != seeds.AT_INTEGRATION_CODE
        or request.header("UserName") != seeds.AT_USERNAME
        or request.header("Secret") != seeds.AT_SECRET
    ):
        raise _errors(401, "Unauthorized")
    impersonated = request.header("ImpersonationResourceId")
    if impersonated and impersonated not in seeds.AT_RESOURCES:
        raise _errors(401, "Impersonation of this resource is not allowed")


def _body(request: FakeRequest) -> dict[str, Any]:
    body = request.json(error={"errors": ["The request body is not valid JSON."]})
    if not isinstance(body, dict):
        raise _errors(400, "Expected an object")
    if any(value is None for value in body.values()):
        raise _errors(500, "Object reference not set to an instance of an object.")
    return body


def _field(item: dict[str, Any], name: str) -> Any:
    for key, value in item.items():
        if key.lower() == name.lower():
            return value
    return None


def _matches(item: dict[str, Any], condition: Any) -> bool:
    if not isinstance(condition, dict) or not isinstance(condition.get("field"), str):
        raise _errors(400, "Each filter needs op, field and value")
    op, value = str(condition.get("op", "")).lower(), condition.get("value")
    actual = _field(item, condition["field"])
    if op == "eq":
        return str(actual).lower() == str(value).lower()
    if op == "noteq":
        return str(actual).lower() != str(value).lower()
    if op == "in":
        if not isinstance(value, list):
            raise _errors(400, "in takes a list")
        return str(actual) in {str(v) for v in value}
    if op == "contains":
        return isinstance(actual, str) and str(value).lower() in actual.lower()
    if op == "beginswith":
        return isinstance(actual, str) and actual.lower().startswith(str(value).lower())
    raise _errors(400, f"Unsupported filter operation {op[:20]}")


def _query(request: FakeRequest, items: list[dict[str, Any]]) -> Reply:
    body = _body(request)
    filters = body.get("filter")
    if not isinstance(filters, list) or not filters:
        raise _errors(400, "A query needs a filter")
    max_records = body.get("MaxRecords", 500)
    if not isinstance(max_records, int) or not 1 <= max_records <= 500:
        raise _errors(400, "MaxRecords is between 1 and 500")
    found = [item for item in items if all(_matches(item, condition) for condition in filters)]
    found.sort(key=lambda item: item["id"])
    page = found[:max_records]
    details = {"count": len(page), "requestCount": max_records, "prevPageUrl": None, "nextPageUrl": None}
    return Reply(body={"items": page, "pageDetails": details})


def _allowed(values: list[tuple], value: Any) -> bool:
    return isinstance(value, int) and str(value) in {v[0] for v in values}


def _create_note(request: FakeRequest, store: FakeStore, ticket_id: int) -> Reply:
    if store.ticket(PROVIDER, ticket_id) is None:
        raise _errors(404, f"Ticket {ticket_id} not found")
    body = _body(request)
    if body.get("ticketID") != ticket_id:
        raise _errors(400, "ticketID must match the parent ticket")
    title, description = body.get("title"), body.get("description")
    if not isinstance(title, str) or not 0 < len(title) <= 250:
        raise _errors(400, "title is required (at most 250 characters)")
    if not isinstance(description, str) or not 0 < len(description) <= 32000:
        raise _errors(400, "description is required (at most 32000 characters)")
    if not _allowed(NOTE_TYPES, body.get("noteType")):
        raise _errors(400, "noteType is not a value of the noteType picklist")
    if not _allowed(PUBLISH, body.get("publish")):
        raise _errors(400, "publish is not a value of the publish picklist")
    native = {
        "id": store.next_id(PROVIDER, "note"),
        "ticketID": ticket_id,
        "title": title,
        "description": description,
        "noteType": body["noteType"],
        "publish": body["publish"],
        "creatorResourceID": int(request.header("ImpersonationResourceId") or 0) or None,
        "createDateTime": dt.datetime.now(dt.UTC).strftime(TIME_FORMAT),
    }
    publish = {value: label.lower() for value, label, *_ in PUBLISH}
    note_types = {value: label.lower() for value, label, *_ in NOTE_TYPES}
    internal = "internal" in publish[str(body["publish"])]
    resolution = "resolution" in note_types[str(body["noteType"])]
    store.add_note(FakeNote(PROVIDER, native["id"], ticket_id, description, internal, resolution, native))
    return Reply(body={"itemId": native["id"]})


def _create_time_entry(request: FakeRequest, store: FakeStore) -> Reply:
    body = _body(request)
    ticket_id = body.get("ticketID")
    if not isinstance(ticket_id, int) or store.ticket(PROVIDER, ticket_id) is None:
        raise _errors(400, "ticketID is not a ticket")
    resource, role = str(body.get("resourceID")), str(body.get("roleID"))
    if not isinstance(body.get("resourceID"), int) or resource not in seeds.AT_RESOURCES:
        raise _errors(400, "resourceID is not an active resource")
    if role not in seeds.AT_RESOURCES[resource]:
        raise _errors(400, "roleID is not a role of this resource")
    try:
        start = dt.datetime.strptime(str(body.get("startDateTime")), TIME_FORMAT)
        end = dt.datetime.strptime(str(body.get("endDateTime")), TIME_FORMAT)
        dt.datetime.strptime(str(body.get("dateWorked")), TIME_FORMAT)
    except ValueError:
        raise _errors(
            400, "dateWorked, startDateTime and endDateTime are UTC times like 2026-12-07T09:00:00Z"
        ) from None
    hours = body.get("hoursWorked")
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24:
        raise _errors(400, "hoursWorked is between 0 and 24")
    if end <= start or hours > (end - start).total_seconds() / 3600 + 0.01:
        raise _errors(400, "hoursWorked cannot exceed the time between startDateTime and endDateTime")
    if not isinstance(body.get("summaryNotes"), str) or not body["summaryNotes"].strip():
        raise _errors(400, "summaryNotes is required")
    native = {"id": store.next_id(PROVIDER, "time"), **body}
    store.add_time_entry(
        FakeTimeEntry(
            provider=PROVIDER,
            id=native["id"],
            ticket_id=ticket_id,
            start=body["startDateTime"],
            end=body["endDateTime"],
            hours=float(hours),
            notes=body["summaryNotes"],
            who=resource,
            native=native,
        )
    )
    return Reply(body={"itemId": native["id"]})


def _companies(store: FakeStore) -> list[dict[str, Any]]:
    with store.lock:
        return [
            {"id": company_id, "companyName": name, "isActive": True} for name, company_id in store.companies.items()
        ]


def handle(request: FakeRequest, store: FakeStore) -> Reply:
    path, method = request.path.lower(), request.method
    if path == f"{API_PREFIX}/zoneinformation" and method == "GET":
        if request.param("user").lower() != seeds.AT_USERNAME.lower():
            raise _errors(404, "Zone information could not be determined for this user")
        zone = f"{request.base_url}/atservicesrest/"
        return Reply(body={"name": "Fake Zone", "url": zone, "webUrl": f"{request.base_url}/", "ci": 1})
    if not path.startswith(API_PREFIX + "/"):
        raise _errors(404, "Not found")
    _check_auth(request)
    route = path.removeprefix(API_PREFIX)
    if route == "/thresholdinformation" and method == "GET":
        with store.lock:
            used = sum(1 for _, logged in store.requests if logged.lower().startswith(API_PREFIX))
        return Reply(
            body={
                "externalRequestThreshold": 10000,
                "requestThresholdTimeframe": 60,
                "currentTimeframeRequestCount": used,
            }
        )
    if (match := re.fullmatch(r"/(tickets|ticketnotes)/entityinformation/fields", route)) and method == "GET":
        return Reply(body={"fields": _entity_fields(match[1])})
    if route == "/tickets/query" and method == "POST":
        return _query(request, [_ticket_json(t) for t in store.tickets_of(PROVIDER)])
    if (match := re.fullmatch(r"/tickets/(\d+)", route)) and method == "GET":
        ticket = store.ticket(PROVIDER, int(match[1]))
        return Reply(body={"item": _ticket_json(ticket) if ticket else None})
    if (match := re.fullmatch(r"/tickets/(\d+)/notes", route)) and method == "POST":
        return _create_note(request, store, int(match[1]))
    if route == "/ticketnotes/query" and method == "POST":
        return _query(request, [note.native for note in store.notes_of(PROVIDER)])
    if route == "/timeentries" and method == "POST":
        return _create_time_entry(request, store)
    if route == "/timeentries/query" and method == "POST":
        return _query(request, [entry.native for entry in store.time_entries_of(PROVIDER)])
    if (match := re.fullmatch(r"/companies/(\d+)", route)) and method == "GET":
        company = next((c for c in _companies(store) if c["id"] == int(match[1])), None)
        return Reply(body={"item": company})
    if route == "/companies/query" and method == "POST":
        return _query(request, _companies(store))
    raise _errors(404, f"No route for {method} {route}")
