"""The fake's ConnectWise PSA: `/login/companyinfo/{company}` and `/{codebase}apis/3.0/...`.

It checks the Basic credentials and the clientId header (401 otherwise), the note and time entry
bodies (400 with ConnectWise's `{"code", "message", "errors"}` otherwise), understands the subset of
the `conditions` language the connector uses (`field=value` joined by `and`), and pages with
ConnectWise's defaults (25 per page, at most 1,000).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from flowpilot.psa.connectors.base import Provider

from . import seeds
from .exchange import FakeRequest, HttpError, Reply
from .store import FakeNote, FakeStore, FakeTicket, FakeTimeEntry

PROVIDER = Provider.CONNECTWISE
API_PREFIX = f"/{seeds.CW_CODEBASE}apis/3.0"
STATUS_IDS = {"New": 1, "In Progress": 5, "Waiting on Client": 7, "Complete": 9}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_CONDITION = re.compile(r'^\s*([A-Za-z]+(?:/[A-Za-z]+)*)\s*=\s*("(?:[^"\\]|\\.)*"|true|false|-?\d+)\s*$')


def handles(path: str) -> bool:
    return path.startswith("/login/companyinfo/") or path.startswith(API_PREFIX + "/")


def _invalid(resource: str, field_name: str, message: str) -> HttpError:
    error = {"code": "InvalidField", "message": message, "resource": resource, "field": field_name}
    return HttpError(400, {"code": "InvalidObject", "message": f"{resource} object is invalid", "errors": [error]})


def _not_found(message: str) -> HttpError:
    return HttpError(404, {"code": "NotFound", "message": message, "errors": None})


def _check_auth(request: FakeRequest) -> None:
    user = f"{seeds.CW_COMPANY}+{seeds.CW_PUBLIC_KEY}:{seeds.CW_PRIVATE_KEY}"
    expected = "Basic " + base64.b64encode(user.encode()).decode("ascii")
    if request.header("Authorization") != expected or request.header("clientId") != seeds.CW_CLIENT_ID:
        raise HttpError(401, {"code": "Unauthorized", "message": "Authentication failed.", "errors": None})


def _ticket_json(ticket: FakeTicket) -> dict[str, Any]:
    owner = ticket.owner
    return {
        "id": ticket.id,
        "summary": ticket.summary,
        "recordType": "ServiceTicket",
        "board": {"id": 1, "name": "Service Desk"},
        "status": {"id": STATUS_IDS.get(ticket.status, 1), "name": ticket.status},
        "company": {"id": ticket.company_id, "identifier": ticket.company.replace(" ", ""), "name": ticket.company},
        "owner": {"id": int(owner.member_id), "identifier": owner.member_identifier} if owner.member_id else None,
        "closedFlag": ticket.closed,
    }


def _parse_conditions(raw: str) -> list[tuple[list[str], Any]]:
    conditions = []
    for part in re.split(r"\s+and\s+", raw.strip(), flags=re.IGNORECASE) if raw.strip() else []:
        match = _CONDITION.match(part)
        if not match:
            raise HttpError(400, {"code": "InvalidObject", "message": f"Cannot parse conditions: {part[:80]}"})
        path, literal = match.groups()
        if literal in ("true", "false"):
            value: Any = literal == "true"
        elif literal.startswith('"'):
            value = literal[1:-1].replace('\\"', '"')
        else:
            value = int(literal)
        conditions.append((path.split("/"), value))
    return conditions


def _matches(item: dict[str, Any], conditions: list[tuple[list[str], Any]]) -> bool:
    for path, expected in conditions:
        value: Any = item
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value != expected:
            return False
    return True


def _list(request: FakeRequest, items: list[dict[str, Any]]) -> Reply:
    items = [item for item in items if _matches(item, _parse_conditions(request.param("conditions")))]
    order = request.param("orderBy", "id asc").split()
    items.sort(key=lambda item: item["id"], reverse=len(order) > 1 and order[1].lower() == "desc")
    try:
        page = max(int(request.param("page", "1")), 1)
        size = min(max(int(request.param("pageSize", "25")), 1), 1000)
    except ValueError:
        raise HttpError(400, {"code": "InvalidObject", "message": "page and pageSize are numbers"}) from None
    return Reply(body=items[(page - 1) * size : page * size])


def _ticket_or_404(store: FakeStore, ticket_id: int) -> FakeTicket:
    ticket = store.ticket(PROVIDER, ticket_id)
    if ticket is None:
        raise _not_found(f"Ticket with id {ticket_id} not found")
    return ticket


def _member(body: dict[str, Any], resource: str) -> dict[str, Any]:
    member = body.get("member")
    if not isinstance(member, dict):
        raise _invalid(resource, "member", "member is required")
    if isinstance(member.get("id"), int) and str(member["id"]) in seeds.CW_MEMBERS:
        return {"id": member["id"], "identifier": seeds.CW_MEMBERS[str(member["id"])]}
    by_identifier = {identifier: int(member_id) for member_id, identifier in seeds.CW_MEMBERS.items()}
    if member.get("identifier") in by_identifier:
        return {"id": by_identifier[member["identifier"]], "identifier": member["identifier"]}
    raise _invalid(resource, "member", "member not found")


def _create_note(request: FakeRequest, store: FakeStore, ticket_id: int) -> Reply:
    _ticket_or_404(store, ticket_id)
    body = request.json(error={"code": "InvalidObject", "message": "Request body is not valid JSON"})
    if not isinstance(body, dict):
        raise _invalid("ServiceNote", "", "Expected an object")
    if not isinstance(body.get("text"), str) or not body["text"].strip():
        raise _invalid("ServiceNote", "text", "text is required")
    flags = {}
    for name in ("detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag"):
        if body.get(name) is not None and not isinstance(body[name], bool):
            raise _invalid("ServiceNote", name, f"{name} must be a boolean")
        flags[name] = bool(body.get(name))
    if not any(flags.values()):
        raise _invalid("ServiceNote", "detailDescriptionFlag", "One of the note flags must be set")
    native = {"id": store.next_id(PROVIDER, "note"), "ticketId": ticket_id, "text": body["text"], **flags}
    if body.get("member") is not None:
        native["member"] = _member(body, "ServiceNote")
    note = FakeNote(
        provider=PROVIDER,
        id=native["id"],
        ticket_id=ticket_id,
        text=body["text"],
        internal=flags["internalAnalysisFlag"],
        resolution=flags["resolutionFlag"],
        native=native,
    )
    store.add_note(note)
    return Reply(status=201, body=native)


def _create_time_entry(request: FakeRequest, store: FakeStore) -> Reply:
    body = request.json(error={"code": "InvalidObject", "message": "Request body is not valid JSON"})
    if not isinstance(body, dict):
        raise _invalid("TimeEntry", "", "Expected an object")
    if body.get("chargeToType") != "ServiceTicket":
        raise _invalid("TimeEntry", "chargeToType", "chargeToType must be ServiceTicket")
    if not isinstance(body.get("chargeToId"), int) or store.ticket(PROVIDER, body["chargeToId"]) is None:
        raise _invalid("TimeEntry", "chargeToId", "chargeToId is not a ticket")
    try:
        start = dt.datetime.strptime(str(body.get("timeStart")), TIME_FORMAT)
        end = dt.datetime.strptime(str(body.get("timeEnd")), TIME_FORMAT)
    except ValueError:
        raise _invalid(
            "TimeEntry", "timeStart", "timeStart and timeEnd are UTC times like 2026-12-07T09:00:00Z"
        ) from None
    if end <= start:
        raise _invalid("TimeEntry", "timeEnd", "timeEnd must be after timeStart")
    if body.get("notes") is not None and not isinstance(body["notes"], str):
        raise _invalid("TimeEntry", "notes", "notes must be text")
    member = _member(body, "TimeEntry")
    hours = round((end - start).total_seconds() / 3600, 2)
    native = {
        "id": store.next_id(PROVIDER, "time"),
        "chargeToId": body["chargeToId"],
        "chargeToType": "ServiceTicket",
        "member": member,
        "timeStart": body["timeStart"],
        "timeEnd": body["timeEnd"],
        "actualHours": hours,
        "notes": body.get("notes") or "",
    }
    store.add_time_entry(
        FakeTimeEntry(
            provider=PROVIDER,
            id=native["id"],
            ticket_id=body["chargeToId"],
            start=body["timeStart"],
            end=body["timeEnd"],
            hours=hours,
            notes=native["notes"],
            who=member["identifier"],
            native=native,
        )
    )
    return Reply(status=201, body=native)


def handle(request: FakeRequest, store: FakeStore) -> Reply:
    path, method = request.path, request.method
    if path.startswith("/login/companyinfo/"):
        company = path.removeprefix("/login/companyinfo/").strip("/")
        if company.lower() != seeds.CW_COMPANY:
            raise _not_found("Company not found")
        return Reply(
            body={
                "CompanyName": "Northwind IT",
                "Codebase": seeds.CW_CODEBASE,
                "VersionCode": "v2026.1",
                "VersionNumber": "v2026.1.12345",
                "CompanyID": seeds.CW_COMPANY,
                "IsCloud": False,
                "SiteUrl": request.base_url.split("://", 1)[1],
            }
        )
    _check_auth(request)
    route = path.removeprefix(API_PREFIX)
    if route == "/system/info" and method == "GET":
        return Reply(body={"version": "v2026.1.12345", "isCloud": False, "serverTimeZone": "UTC"})
    if route == "/service/tickets" and method == "GET":
        return _list(request, [_ticket_json(t) for t in store.tickets_of(PROVIDER)])
    if (match := re.fullmatch(r"/service/tickets/(\d+)", route)) and method == "GET":
        return Reply(body=_ticket_json(_ticket_or_404(store, int(match[1]))))
    if match := re.fullmatch(r"/service/tickets/(\d+)/notes", route):
        ticket_id = int(match[1])
        if method == "GET":
            _ticket_or_404(store, ticket_id)
            return _list(request, [note.native for note in store.notes_of(PROVIDER, ticket_id)])
        if method == "POST":
            return _create_note(request, store, ticket_id)
    if route == "/time/entries":
        if method == "GET":
            return _list(request, [entry.native for entry in store.time_entries_of(PROVIDER)])
        if method == "POST":
            return _create_time_entry(request, store)
    raise _not_found(f"No route for {method} {route}")
