"""Autotask PSA (REST API v1.0).

Every request carries the `ApiIntegrationCode`, `UserName` and `Secret` headers and goes to the
database's zone, found once per connector from the zone-information lookup (its URL is configurable
so the fake PSA can stand in; the zone it names must be on autotask.net or the lookup's own host, so
an answer cannot send the credentials elsewhere). A ticket's number (`T20261207.0042`) is not its id:
tickets are found with `POST /Tickets/query`. Note types, `publish` values and ticket statuses are
per-database picklists read from `entityInformation/fields` (cached per connector). Null fields are
never sent (they can make Autotask answer 500); time is in UTC; the marker goes in a note's
`description` and a time entry's `summaryNotes`.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from . import shapes
from .base import (
    ConnectionCheck,
    Connector,
    ConnectorConfig,
    Identity,
    PsaAuthError,
    PsaBadResponse,
    PsaConfigError,
    PsaError,
    PsaIdentityMissing,
    PsaNotFound,
    Ticket,
    TicketSummary,
    TimeEntry,
    Written,
)
from .http_client import PsaHttp, checked_base_url, checked_header_value
from .timestamps import utc_iso, utc_span

LABEL = "Autotask"
DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
NOTE_TITLE_LIMIT = 250
NOTE_DESCRIPTION_LIMIT = 32_000
SUMMARY_NOTES_LIMIT = 32_000
QUERY_MAX_RECORDS = 500
COMPLETE_STATUS_LABEL = "complete"
_TICKET_NUMBER = re.compile(r"[A-Za-z0-9.-]{1,32}")


@dataclass(frozen=True)
class PicklistValue:
    value: str
    label: str
    is_default: bool


def _strip_nulls(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


class AutotaskConnector(Connector):
    def __init__(self, config: ConnectorConfig, *, transport: httpx.BaseTransport | None = None):
        settings, secrets = config.settings, config.secrets
        self._username = (settings.get("username") or "").strip()
        integration_code = (settings.get("integration_code") or "").strip()
        secret = secrets.get("secret", "")
        if not (self._username and integration_code and secret):
            raise PsaConfigError("The Autotask user name, secret and integration code are all required.")
        lookup = settings.get("zone_lookup_url") or DEFAULT_ZONE_LOOKUP_URL
        self._zone_lookup = checked_base_url(lookup.split("?", 1)[0], what="The Autotask zone lookup URL")
        self._zone_root = (
            checked_base_url(settings["zone_url"], what="The Autotask zone URL") if settings.get("zone_url") else None
        )
        self._headers = {
            "ApiIntegrationCode": checked_header_value(integration_code, what="The Autotask integration code"),
            "UserName": checked_header_value(self._username, what="The Autotask user name"),
            "Secret": checked_header_value(secret, what="The Autotask secret"),
        }
        self._http = PsaHttp(
            label=LABEL, timeout=config.timeout_seconds, transport=transport, secrets=(secret, integration_code)
        )
        # Writing as the engineer needs impersonation allowed for the API user and the resource, which
        # many databases do not grant, so it is asked for explicitly; time entries name the resource anyway.
        self._impersonate = (settings.get("impersonate") or "").strip().lower() in ("1", "true", "yes")
        self._picklists: dict[str, dict[str, list[PicklistValue]]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # The zone, the picklists, the API.

    def _zone_is_trusted(self, url: str) -> bool:
        host = httpx.URL(url).host.lower()
        return host.endswith(".autotask.net") or host == httpx.URL(self._zone_lookup).host.lower()

    def zone_root(self) -> str:
        """The database's REST root (e.g. `https://webservices14.autotask.net/atservicesrest`), asked once."""
        with self._lock:
            if self._zone_root is None:
                try:
                    info = self._http.request("GET", self._zone_lookup, params={"user": self._username})
                except PsaNotFound:
                    raise PsaAuthError(f"{LABEL} has no zone for API user {self._username!r}.") from None
                url = shapes.text(shapes.as_object(info, "zone information"), "url", "zone information", limit=500)
                root = checked_base_url(url, what="The Autotask zone URL")
                if not self._zone_is_trusted(root):
                    raise PsaBadResponse(f"{LABEL}'s zone lookup named a host outside autotask.net.")
                self._zone_root = root
            return self._zone_root

    def _api(self, method: str, path: str, *, json_body=None, identity: Identity | None = None) -> Any:
        headers = dict(self._headers)
        if self._impersonate and identity is not None and identity.resource_id.strip().isdigit():
            headers["ImpersonationResourceId"] = identity.resource_id.strip()
        return self._http.request(method, f"{self.zone_root()}/V1.0{path}", headers=headers, json_body=json_body)

    def _query(self, entity: str, filters: list[dict[str, Any]], *, max_records: int = QUERY_MAX_RECORDS) -> list:
        body = {"MaxRecords": max_records, "filter": filters}
        answer = shapes.as_object(self._api("POST", f"/{entity}/query", json_body=body), f"{entity} query")
        return [shapes.as_object(item, entity) for item in shapes.as_list(answer.get("items", []), f"{entity} items")]

    def picklist(self, entity: str, field_name: str) -> list[PicklistValue]:
        """The active values of a picklist field; each entity's fields are read once per connector."""
        if entity not in self._picklists:
            self._picklists[entity] = self._read_picklists(entity)
        values = self._picklists[entity].get(field_name.lower())
        if not values:
            raise PsaBadResponse(f"{LABEL} lists no values for {entity}.{field_name}.")
        return values

    def _read_picklists(self, entity: str) -> dict[str, list[PicklistValue]]:
        answer = shapes.as_object(self._api("GET", f"/{entity}/entityInformation/fields"), "entity fields")
        picklists: dict[str, list[PicklistValue]] = {}
        for item in shapes.as_list(answer.get("fields", []), "entity fields"):
            field_info = shapes.as_object(item, "entity field")
            if not shapes.flag(field_info, "isPickList", "entity field"):
                continue
            values = []
            for raw in shapes.as_list(field_info.get("picklistValues") or [], "picklist values"):
                option = shapes.as_object(raw, "picklist value")
                if option.get("isActive") is False:
                    continue
                values.append(
                    PicklistValue(
                        value=shapes.identifier(option, "value", "picklist value"),
                        label=shapes.text(option, "label", "picklist value"),
                        is_default=shapes.flag(option, "isDefaultValue", "picklist value"),
                    )
                )
            picklists[shapes.text(field_info, "name", "entity field").lower()] = values
        return picklists

    def _pick(self, entity: str, field_name: str, *, label_contains: str | None) -> int:
        """The value whose label contains `label_contains`, else the picklist's default, else its first."""
        values = self.picklist(entity, field_name)
        if label_contains:
            for option in values:
                if label_contains in option.label.lower():
                    return int(option.value)
        default = next((option for option in values if option.is_default), values[0])
        return int(default.value)

    def _complete_status(self) -> int:
        for option in self.picklist("Tickets", "status"):
            if option.label.strip().lower() == COMPLETE_STATUS_LABEL:
                return int(option.value)
        raise PsaBadResponse(f"{LABEL} has no ticket status labelled Complete.")

    def _status_label(self, value: str) -> str:
        for option in self.picklist("Tickets", "status"):
            if option.value == value:
                return option.label
        return value

    def _company_names(self, company_ids: set[str]) -> dict[str, str]:
        if not company_ids:
            return {}
        items = self._query("Companies", [{"op": "in", "field": "id", "value": sorted(int(i) for i in company_ids)}])
        return {shapes.identifier(c, "id", "company"): shapes.text(c, "companyName", "company") for c in items}

    def _ticket(self, data: dict[str, Any]) -> Ticket:
        ticket_id = shapes.identifier(data, "id", "ticket")
        status = shapes.identifier(data, "status", "ticket")
        company_id = shapes.identifier(data, "companyID", "ticket") if data.get("companyID") is not None else ""
        company = self._company_names({company_id}).get(company_id, "") if company_id else ""
        return Ticket(
            id=ticket_id,
            number=shapes.text(data, "ticketNumber", "ticket", limit=shapes.NUMBER_LIMIT),
            summary=shapes.text(data, "title", "ticket", limit=shapes.SUMMARY_LIMIT),
            description=shapes.text(data, "description", "ticket", limit=shapes.DESCRIPTION_LIMIT),
            company=company,
            status=self._status_label(status),
            closed=int(status) == self._complete_status(),
        )

    # The contract.

    def test_connection(self) -> ConnectionCheck:
        try:
            info = shapes.as_object(self._api("GET", "/ThresholdInformation"), "threshold information")
            used = int(shapes.number(info, "currentTimeframeRequestCount", "threshold information"))
            limit = int(shapes.number(info, "externalRequestThreshold", "threshold information"))
        except PsaError as exc:
            return ConnectionCheck(ok=False, message=str(exc))
        return ConnectionCheck(
            ok=True, message=f"Connected to {LABEL} as {self._username}: {used} of {limit} requests used this hour."
        )

    def find_ticket(self, number: str) -> Ticket:
        cleaned = (number or "").strip().upper()
        if not _TICKET_NUMBER.fullmatch(cleaned):
            raise PsaNotFound(f"{shapes.clip(number or '', 40)!r} is not an Autotask ticket number.")
        items = self._query("Tickets", [{"op": "eq", "field": "ticketNumber", "value": cleaned}], max_records=1)
        if not items:
            raise PsaNotFound(f"{LABEL} has no ticket {cleaned}.", status=404)
        return self._ticket(items[0])

    def get_ticket(self, ticket_id: str) -> Ticket:
        tid = shapes.numeric_id(ticket_id, "Autotask ticket")
        answer = shapes.as_object(self._api("GET", f"/Tickets/{tid}"), "ticket")
        if answer.get("item") is None:
            raise PsaNotFound(f"{LABEL} has no ticket with id {tid}.", status=404)
        return self._ticket(shapes.as_object(answer["item"], "ticket"))

    def open_tickets(self, identity: Identity, *, limit: int = 50) -> list[TicketSummary]:
        resource = identity.resource_id.strip()
        if not resource.isdigit():
            raise PsaIdentityMissing("No Autotask resource is set for this engineer.")
        filters = [
            {"op": "eq", "field": "assignedResourceID", "value": int(resource)},
            {"op": "noteq", "field": "status", "value": self._complete_status()},
        ]
        items = self._query("Tickets", filters, max_records=max(1, min(limit, QUERY_MAX_RECORDS)))[:limit]
        company_ids = {shapes.identifier(t, "companyID", "ticket") for t in items if t.get("companyID") is not None}
        companies = self._company_names(company_ids)
        return [
            TicketSummary(
                id=shapes.identifier(item, "id", "ticket"),
                number=shapes.text(item, "ticketNumber", "ticket", limit=shapes.NUMBER_LIMIT),
                summary=shapes.text(item, "title", "ticket", limit=shapes.SUMMARY_LIMIT),
                company=companies.get(str(item.get("companyID")), ""),
                status=self._status_label(shapes.identifier(item, "status", "ticket")),
            )
            for item in items
        ]

    def add_note(
        self, ticket_id: str, *, text: str, internal: bool, resolution: bool, identity: Identity, marker: str
    ) -> Written:
        """A ticket note; a resolution uses the database's "Resolution" note type when it has one."""
        tid = shapes.numeric_id(ticket_id, "Autotask ticket")
        kind = "resolution" if resolution else ("internal note" if internal else "note")
        body = _strip_nulls(
            {
                "ticketID": tid,
                "title": f"ResolutionFlow {kind}"[:NOTE_TITLE_LIMIT],
                "description": shapes.with_marker(text, marker, limit=NOTE_DESCRIPTION_LIMIT),
                "noteType": self._pick("TicketNotes", "noteType", label_contains="resolution" if resolution else None),
                "publish": self._pick("TicketNotes", "publish", label_contains="internal" if internal else "all"),
            }
        )
        created = self._api("POST", f"/Tickets/{tid}/Notes", json_body=body, identity=identity)
        created = shapes.as_object(created, "created note")
        return Written(external_id=shapes.identifier(created, "itemId", "created note"))

    def find_note(self, ticket_id: str, *, marker: str) -> Written | None:
        return self._find_marked("TicketNotes", "description", ticket_id, marker, what="ticket note")

    def _write_time(self, ticket_id: str, entry: TimeEntry, identity: Identity) -> Written:
        """A time entry for the engineer's resource and role, `hours` from `start` (UTC)."""
        tid = shapes.numeric_id(ticket_id, "Autotask ticket")
        resource, role = identity.resource_id.strip(), identity.role_id.strip()
        if not (resource.isdigit() and role.isdigit()):
            raise PsaConfigError("No Autotask resource and role are set for this engineer, so time cannot be logged.")
        start_at, end_at = utc_span(entry.start, entry.hours)
        day = utc_iso(entry.start.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0))
        body = _strip_nulls(
            {
                "ticketID": tid,
                "resourceID": int(resource),
                "roleID": int(role),
                "dateWorked": day,
                "startDateTime": start_at,
                "endDateTime": end_at,
                "hoursWorked": entry.billed_hours,
                "summaryNotes": shapes.with_marker(entry.notes, entry.marker, limit=SUMMARY_NOTES_LIMIT),
            }
        )
        created = shapes.as_object(self._api("POST", "/TimeEntries", json_body=body), "created time entry")
        return Written(external_id=shapes.identifier(created, "itemId", "created time entry"))

    def find_time_entry(self, ticket_id: str, *, marker: str) -> Written | None:
        return self._find_marked("TimeEntries", "summaryNotes", ticket_id, marker, what="time entry")

    def _find_marked(self, entity: str, text_field: str, ticket_id: str, marker: str, *, what: str) -> Written | None:
        """The ticket's first `entity` whose `text_field` holds `marker` (Autotask's filter, checked again here)."""
        tid = shapes.numeric_id(ticket_id, "Autotask ticket")
        filters = [
            {"op": "eq", "field": "ticketID", "value": tid},
            {"op": "contains", "field": text_field, "value": marker},
        ]
        for item in self._query(entity, filters):
            if marker in shapes.text(item, text_field, what, limit=shapes.NOTE_SEARCH_LIMIT):
                return Written(external_id=shapes.identifier(item, "id", what))
        return None
