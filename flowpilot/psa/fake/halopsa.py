"""The fake's HaloPSA: the authorisation server (`/auth/token`) and the resource server (`/api/...`).

The token call must be a client-credentials form with `scope`, the right client id and secret and
`?tenant=` (this fake plays a hosted instance); the resource server accepts only tokens it issued.
`POST /api/Actions` takes a JSON array (an object is 400, as on Halo); an action with `timetaken`
is stored as a time entry, any other as a note.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flowpilot.psa.connectors.base import Provider

from . import seeds
from .exchange import FakeRequest, HttpError, Reply
from .store import FakeNote, FakeStore, FakeTicket, FakeTimeEntry

PROVIDER = Provider.HALOPSA
STATUS_IDS = {"New": 1, "In Progress": 2, "Waiting on Client": 4, "Complete": 9}
TOKEN_LIFETIME = 3600


def handles(path: str) -> bool:
    return path.startswith("/auth/") or path.startswith("/api/")


def _bad(message: str) -> HttpError:
    return HttpError(400, {"message": message})


def _token(request: FakeRequest, store: FakeStore) -> Reply:
    if "application/x-www-form-urlencoded" not in request.header("Content-Type"):
        raise HttpError(400, {"error": "invalid_request", "error_description": "Expected a form body"})
    form = request.form()
    if form.get("grant_type") != "client_credentials":
        raise HttpError(400, {"error": "unsupported_grant_type"})
    if not form.get("scope"):
        raise HttpError(400, {"error": "invalid_scope"})
    if request.param("tenant") != seeds.HALO_TENANT:
        raise HttpError(401, {"error": "invalid_client", "error_description": "Unknown tenant"})
    if form.get("client_id") != seeds.HALO_CLIENT_ID or form.get("client_secret") != seeds.HALO_CLIENT_SECRET:
        raise HttpError(401, {"error": "invalid_client"})
    token = secrets.token_urlsafe(32)
    with store.lock:
        store.halo_tokens.add(token)
    return Reply(body={"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "scope": "all"})


def _check_bearer(request: FakeRequest, store: FakeStore) -> None:
    scheme, _, token = request.header("Authorization").partition(" ")
    with store.lock:
        known = token in store.halo_tokens
    if scheme != "Bearer" or not known:
        raise HttpError(401, {"message": "Authorization has been denied for this request."})


def _ticket_json(ticket: FakeTicket, *, details: bool) -> dict[str, Any]:
    data = {
        "id": ticket.id,
        "summary": ticket.summary,
        "client_id": ticket.company_id,
        "client_name": ticket.company,
        "site_name": "Main",
        "status_id": STATUS_IDS.get(ticket.status, 1),
        "status_name": ticket.status,
        "agent_id": int(ticket.owner.agent_id) if ticket.owner.agent_id else None,
        "hasbeenclosed": ticket.closed,
        "tickettype_id": 1,
    }
    if details:
        data["details"] = ticket.description
    return data


def _ticket_or_404(store: FakeStore, ticket_id: int) -> FakeTicket:
    ticket = store.ticket(PROVIDER, ticket_id)
    if ticket is None:
        raise HttpError(404, {"message": f"Ticket {ticket_id} not found."})
    return ticket


def _list_tickets(request: FakeRequest, store: FakeStore) -> Reply:
    tickets = store.tickets_of(PROVIDER)
    if request.param("agent_id"):
        tickets = [t for t in tickets if t.owner.agent_id == request.param("agent_id")]
    if request.param("open_only").lower() == "true":
        tickets = [t for t in tickets if not t.closed]
    tickets.sort(key=lambda t: t.id, reverse=request.param("orderdesc").lower() == "true")
    try:
        size = min(max(int(request.param("page_size", "50")), 1), 100)
        page = max(int(request.param("page_no", "1")), 1)
    except ValueError:
        raise _bad("page_size and page_no are numbers") from None
    shown = tickets[(page - 1) * size : page * size]
    return Reply(
        body={
            "page_no": page,
            "page_size": size,
            "record_count": len(tickets),
            "tickets": [_ticket_json(t, details=False) for t in shown],
        }
    )


def _list_actions(request: FakeRequest, store: FakeStore) -> Reply:
    if not request.param("ticket_id").isdigit():
        raise _bad("ticket_id is required")
    ticket_id = int(request.param("ticket_id"))
    actions = [n.native for n in store.notes_of(PROVIDER, ticket_id)]
    actions += [e.native for e in store.time_entries_of(PROVIDER, ticket_id)]
    actions.sort(key=lambda action: action["id"])
    return Reply(body={"record_count": len(actions), "actions": actions})


def _checked_action(item: Any, store: FakeStore) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _bad("Each action is an object")
    if not isinstance(item.get("ticket_id"), int) or store.ticket(PROVIDER, item["ticket_id"]) is None:
        raise _bad("ticket_id must be an existing ticket")
    if not isinstance(item.get("note"), str) or not item["note"].strip():
        raise _bad("note is required")
    if not isinstance(item.get("hiddenfromuser", False), bool):
        raise _bad("hiddenfromuser must be a boolean")
    timetaken = item.get("timetaken", 0)
    if isinstance(timetaken, bool) or not isinstance(timetaken, int | float) or not 0 <= timetaken <= 24:
        raise _bad("timetaken is decimal hours between 0 and 24")
    if "who_agentid" in item and str(item["who_agentid"]) not in seeds.HALO_AGENTS:
        raise _bad("who_agentid is not an agent")
    for name in ("outcome", "actionarrivaldate", "actioncompletiondate"):
        if name in item and not isinstance(item[name], str):
            raise _bad(f"{name} must be text")
    return item


def _create_actions(request: FakeRequest, store: FakeStore) -> Reply:
    body = request.json(error={"message": "The request is invalid."})
    if not isinstance(body, list) or not body:
        raise _bad("Expected a JSON array of actions")
    checked = [_checked_action(item, store) for item in body]
    created = []
    for item in checked:
        action_id = store.next_id(PROVIDER, "note")
        agent = str(item.get("who_agentid", ""))
        native = {
            "id": action_id,
            "ticket_id": item["ticket_id"],
            "outcome": item.get("outcome", "Note"),
            "note": item["note"],
            "hiddenfromuser": bool(item.get("hiddenfromuser", False)),
            "timetaken": float(item.get("timetaken", 0)),
            "who_agentid": int(agent) if agent else None,
            "who": seeds.HALO_AGENTS.get(agent, "API"),
            "actionarrivaldate": item.get("actionarrivaldate"),
            "actioncompletiondate": item.get("actioncompletiondate"),
        }
        if native["timetaken"] > 0:
            store.add_time_entry(
                FakeTimeEntry(
                    provider=PROVIDER,
                    id=action_id,
                    ticket_id=item["ticket_id"],
                    start=native["actionarrivaldate"] or "",
                    end=native["actioncompletiondate"] or "",
                    hours=native["timetaken"],
                    notes=item["note"],
                    who=native["who"],
                    native=native,
                )
            )
        else:
            store.add_note(
                FakeNote(
                    provider=PROVIDER,
                    id=action_id,
                    ticket_id=item["ticket_id"],
                    text=item["note"],
                    internal=native["hiddenfromuser"],
                    resolution=False,
                    native=native,
                )
            )
        created.append(native)
    return Reply(status=201, body=created[0] if len(created) == 1 else created)


def handle(request: FakeRequest, store: FakeStore) -> Reply:
    path, method = request.path, request.method
    if path == "/auth/token" and method == "POST":
        return _token(request, store)
    if path.startswith("/auth/"):
        raise HttpError(404, {"message": "Not found"})
    _check_bearer(request, store)
    if path == "/api/Tickets" and method == "GET":
        return _list_tickets(request, store)
    if (match := re.fullmatch(r"/api/Tickets/(\d+)", path)) and method == "GET":
        return Reply(body=_ticket_json(_ticket_or_404(store, int(match[1])), details=True))
    if path == "/api/Actions":
        if method == "GET":
            return _list_actions(request, store)
        if method == "POST":
            return _create_actions(request, store)
    raise HttpError(404, {"message": f"No route for {method} {path}"})
