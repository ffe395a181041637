"""ConnectWise PSA (REST API 3.0).

Authentication is HTTP Basic with `{companyId}+{publicKey}:{privateKey}` plus the integration's
`clientId` header. The API lives under `https://{site}/{codebase}/apis/3.0`, where the codebase
(e.g. `v2026_1/`) is discovered once per connector from `GET https://{site}/login/companyinfo/{company}`.
A ticket's GET has no description: it is the first note with `detailDescriptionFlag`. Notes carry
their marker in `text`, time entries in `notes`.
"""

from __future__ import annotations

import base64
import re
import threading
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
from .timestamps import utc_span

LABEL = "ConnectWise PSA"
PAGE_SIZE = 1000
MAX_PAGES = 20
_CODEBASE = re.compile(r"[A-Za-z0-9_.-]{1,64}/?")
_COMPANY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_MEMBER_IDENTIFIER = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


class ConnectWiseConnector(Connector):
    def __init__(self, config: ConnectorConfig, *, transport: httpx.BaseTransport | None = None):
        settings, secrets = config.settings, config.secrets
        site = (settings.get("site") or "").strip()
        self._site = checked_base_url(site if "://" in site else f"https://{site}", what="The ConnectWise site")
        self._company = (settings.get("company_id") or "").strip()
        if not _COMPANY.fullmatch(self._company):
            raise PsaConfigError("The ConnectWise company id is missing or has characters it cannot have.")
        client_id = (settings.get("client_id") or "").strip()
        public_key, private_key = secrets.get("public_key", ""), secrets.get("private_key", "")
        if not (client_id and public_key and private_key):
            raise PsaConfigError("The ConnectWise clientId, public key and private key are all required.")
        basic = base64.b64encode(f"{self._company}+{public_key}:{private_key}".encode()).decode("ascii")
        self._auth_headers = {
            "Authorization": f"Basic {basic}",
            "clientId": checked_header_value(client_id, what="The ConnectWise clientId"),
        }
        self._http = PsaHttp(
            label=LABEL, timeout=config.timeout_seconds, transport=transport, secrets=(public_key, private_key, basic)
        )
        self._codebase = self._checked_codebase(settings["codebase"]) if settings.get("codebase") else None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # The API root.

    @staticmethod
    def _checked_codebase(value: Any) -> str:
        if not isinstance(value, str) or not _CODEBASE.fullmatch(value.strip()):
            raise PsaBadResponse("ConnectWise gave a codebase that is not a plain path segment.")
        return value.strip().strip("/")

    def codebase(self) -> str:
        """The site's codebase, asked once per connector from the unauthenticated company-info endpoint."""
        with self._lock:
            if self._codebase is None:
                try:
                    info = self._http.request("GET", f"{self._site}/login/companyinfo/{self._company}")
                except PsaNotFound:
                    raise PsaAuthError(f"ConnectWise has no company {self._company!r} on this site.") from None
                if not isinstance(info, dict) or not info.get("Codebase"):
                    raise PsaAuthError(f"ConnectWise has no company {self._company!r} on this site.")
                self._codebase = self._checked_codebase(info["Codebase"])
            return self._codebase

    def _api(self, method: str, path: str, *, params=None, json_body=None) -> Any:
        url = f"{self._site}/{self.codebase()}/apis/3.0{path}"
        return self._http.request(method, url, headers=self._auth_headers, params=params, json_body=json_body)

    def _pages(self, path: str, params: dict[str, Any], what: str):
        """Every item of a paged list (up to MAX_PAGES pages of PAGE_SIZE)."""
        for page in range(1, MAX_PAGES + 1):
            items = shapes.as_list(self._api("GET", path, params={**params, "page": page, "pageSize": PAGE_SIZE}), what)
            for item in items:
                yield shapes.as_object(item, what)
            if len(items) < PAGE_SIZE:
                return

    # The contract.

    def test_connection(self) -> ConnectionCheck:
        try:
            info = shapes.as_object(self._api("GET", "/system/info"), "system info")
            version = shapes.text(info, "version", "system info", limit=60)
        except PsaError as exc:
            return ConnectionCheck(ok=False, message=str(exc))
        return ConnectionCheck(ok=True, message=f"Connected to {LABEL} {version} as company {self._company}.".strip())

    def find_ticket(self, number: str) -> Ticket:
        """ConnectWise shows the ticket id as its number ("#48211")."""
        return self.get_ticket(number)

    def get_ticket(self, ticket_id: str) -> Ticket:
        tid = shapes.numeric_id(ticket_id, "ConnectWise ticket")
        data = shapes.as_object(self._api("GET", f"/service/tickets/{tid}"), "ticket")
        first_notes = shapes.as_list(
            self._api(
                "GET",
                f"/service/tickets/{tid}/notes",
                params={"conditions": "detailDescriptionFlag=true", "orderBy": "id asc", "pageSize": 1},
            ),
            "ticket notes",
        )
        description = ""
        for note in first_notes:
            note = shapes.as_object(note, "ticket note")
            if shapes.flag(note, "detailDescriptionFlag", "ticket note"):
                description = shapes.text(note, "text", "ticket note", limit=shapes.DESCRIPTION_LIMIT)
                break
        ticket_number = shapes.identifier(data, "id", "ticket")
        return Ticket(
            id=ticket_number,
            number=ticket_number,
            summary=shapes.text(data, "summary", "ticket", limit=shapes.SUMMARY_LIMIT),
            description=description,
            company=shapes.nested_text(data, "company", "name", "ticket"),
            status=shapes.nested_text(data, "status", "name", "ticket"),
            closed=shapes.flag(data, "closedFlag", "ticket"),
        )

    def open_tickets(self, identity: Identity, *, limit: int = 50) -> list[TicketSummary]:
        """The open tickets the engineer owns: by member identifier, else by member id."""
        identifier, member_id = identity.member_identifier.strip(), identity.member_id.strip()
        if _MEMBER_IDENTIFIER.fullmatch(identifier):
            owner = f'owner/identifier="{identifier}"'
        elif shapes.is_digits(member_id):
            owner = f"owner/id={int(member_id)}"
        else:
            raise PsaIdentityMissing("No ConnectWise member is set for this engineer.")
        items = shapes.as_list(
            self._api(
                "GET",
                "/service/tickets",
                params={
                    "conditions": f"closedFlag=false and {owner}",
                    "orderBy": "id desc",
                    "pageSize": max(1, min(limit, 100)),
                },
            ),
            "tickets",
        )
        result = []
        for item in items[:limit]:
            item = shapes.as_object(item, "ticket")
            ticket_id = shapes.identifier(item, "id", "ticket")
            result.append(
                TicketSummary(
                    id=ticket_id,
                    number=ticket_id,
                    summary=shapes.text(item, "summary", "ticket", limit=shapes.SUMMARY_LIMIT),
                    company=shapes.nested_text(item, "company", "name", "ticket"),
                    status=shapes.nested_text(item, "status", "name", "ticket"),
                )
            )
        return result

    def add_note(
        self, ticket_id: str, *, text: str, internal: bool, resolution: bool, identity: Identity, marker: str
    ) -> Written:
        tid = shapes.numeric_id(ticket_id, "ConnectWise ticket")
        body: dict[str, Any] = {
            "text": shapes.with_marker(text, marker),
            "detailDescriptionFlag": not internal,
            "internalAnalysisFlag": internal,
            "resolutionFlag": resolution,
        }
        if identity.member_id.strip().isdigit():
            body["member"] = {"id": int(identity.member_id)}
        created = shapes.as_object(self._api("POST", f"/service/tickets/{tid}/notes", json_body=body), "created note")
        return Written(external_id=shapes.identifier(created, "id", "created note"))

    def find_note(self, ticket_id: str, *, marker: str) -> Written | None:
        tid = shapes.numeric_id(ticket_id, "ConnectWise ticket")
        for note in self._pages(f"/service/tickets/{tid}/notes", {"orderBy": "id asc"}, "ticket notes"):
            if marker in shapes.text(note, "text", "ticket note", limit=shapes.NOTE_SEARCH_LIMIT):
                return Written(external_id=shapes.identifier(note, "id", "ticket note"))
        return None

    def _write_time(self, ticket_id: str, entry: TimeEntry, identity: Identity) -> Written:
        """ConnectWise bills from timeStart to timeEnd, so the entry spans `hours` from `start`."""
        tid = shapes.numeric_id(ticket_id, "ConnectWise ticket")
        if identity.member_id.strip().isdigit():
            member: dict[str, Any] = {"id": int(identity.member_id)}
        elif _MEMBER_IDENTIFIER.fullmatch(identity.member_identifier.strip()):
            member = {"identifier": identity.member_identifier.strip()}
        else:
            raise PsaConfigError("No ConnectWise member is set for this engineer, so time cannot be logged.")
        time_start, time_end = utc_span(entry.start, entry.hours)
        body = {
            "chargeToId": tid,
            "chargeToType": "ServiceTicket",
            "timeStart": time_start,
            "timeEnd": time_end,
            "notes": shapes.with_marker(entry.notes, entry.marker),
            "member": member,
        }
        created = shapes.as_object(self._api("POST", "/time/entries", json_body=body), "created time entry")
        return Written(external_id=shapes.identifier(created, "id", "created time entry"))

    def find_time_entry(self, ticket_id: str, *, marker: str) -> Written | None:
        tid = shapes.numeric_id(ticket_id, "ConnectWise ticket")
        conditions = f'chargeToId={tid} and chargeToType="ServiceTicket"'
        for entry in self._pages("/time/entries", {"conditions": conditions, "orderBy": "id asc"}, "time entries"):
            if marker in shapes.text(entry, "notes", "time entry", limit=shapes.NOTE_SEARCH_LIMIT):
                return Written(external_id=shapes.identifier(entry, "id", "time entry"))
        return None
