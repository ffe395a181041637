"""HaloPSA.

Two servers: the authorisation server (`https://{host}/auth`) issues a client-credentials bearer
token at `/token` (hosted instances need `?tenant=`), cached until shortly before it expires; the
resource server (`https://{host}/api`) serves `/Tickets` and `/Actions`. Notes and time entries are
both actions, posted as a JSON array; the marker goes in the action's `note`. Ticket `details` are
HTML from whoever raised the ticket and are converted to plain text.
"""

from __future__ import annotations

import re
import threading
from time import monotonic
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
    PsaRejected,
    Ticket,
    TicketSummary,
    TimeEntry,
    Written,
)
from .html_text import html_to_text
from .http_client import PsaHttp, checked_base_url
from .timestamps import utc_span

LABEL = "HaloPSA"
TOKEN_MARGIN_SECONDS = 60
NOTE_OUTCOME = "Note"
PRIVATE_OUTCOME = "Private Note"
MAX_ACTIONS = 2000
_TENANT = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def _with_default_path(url: str, path: str) -> str:
    """A bare host (`https://x.halopsa.com`) means Halo's usual path on it (`/auth`, `/api`)."""
    return url if httpx.URL(url).path not in ("", "/") else f"{url}{path}"


class HaloPsaConnector(Connector):
    def __init__(self, config: ConnectorConfig, *, transport: httpx.BaseTransport | None = None):
        settings, secrets = config.settings, config.secrets
        auth = checked_base_url(settings.get("auth_url", ""), what="The HaloPSA authorisation server URL")
        resource = checked_base_url(settings.get("resource_url", ""), what="The HaloPSA resource server URL")
        self._token_url = f"{_with_default_path(auth, '/auth')}/token"
        self._api_root = _with_default_path(resource, "/api")
        self._tenant = (settings.get("tenant") or "").strip()
        if self._tenant and not _TENANT.fullmatch(self._tenant):
            raise PsaConfigError("The HaloPSA tenant has characters it cannot have.")
        self._client_id, self._client_secret = secrets.get("client_id", ""), secrets.get("client_secret", "")
        if not (self._client_id and self._client_secret):
            raise PsaConfigError("The HaloPSA client id and client secret are both required.")
        self._http = PsaHttp(
            label=LABEL,
            timeout=config.timeout_seconds,
            transport=transport,
            secrets=(self._client_id, self._client_secret),
        )
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # Authentication.

    def _bearer(self, *, stale: str | None = None) -> str:
        """A valid token: the cached one, or a new one when it expired or the PSA refused `stale`."""
        with self._lock:
            if self._token and monotonic() < self._token_expires and self._token != stale:
                return self._token
            params = {"tenant": self._tenant} if self._tenant else None
            form = {
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "scope": "all",
            }
            try:
                answer = self._http.request("POST", self._token_url, params=params, form=form)
            except PsaRejected as exc:
                raise PsaAuthError(f"{LABEL} refused the client id and secret ({exc}).", status=exc.status) from None
            answer = shapes.as_object(answer, "token")
            token = answer.get("access_token")
            if not isinstance(token, str) or not token or len(token) > 16_384:
                raise PsaBadResponse(f"{LABEL} answered the token request without an access token.")
            self._http.add_secret(token)
            lifetime = min(max(shapes.number(answer, "expires_in", "token") or 3600, 60), 86_400)
            self._token = token
            self._token_expires = monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 30)
            return token

    def _api(self, method: str, path: str, *, params=None, json_body=None) -> Any:
        token = self._bearer()
        try:
            return self._send(method, path, token, params, json_body)
        except PsaAuthError as exc:
            if exc.status != 401:
                raise
            return self._send(method, path, self._bearer(stale=token), params, json_body)

    def _send(self, method, path, token, params, json_body) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        return self._http.request(
            method, f"{self._api_root}{path}", headers=headers, params=params, json_body=json_body
        )

    # Reading.

    @staticmethod
    def _summary(item: dict[str, Any]) -> TicketSummary:
        ticket_id = shapes.identifier(item, "id", "ticket")
        return TicketSummary(
            id=ticket_id,
            number=ticket_id,
            summary=shapes.text(item, "summary", "ticket", limit=shapes.SUMMARY_LIMIT),
            company=shapes.text(item, "client_name", "ticket"),
            status=shapes.text(item, "status_name", "ticket") or shapes.text(item, "status_id", "ticket"),
        )

    def test_connection(self) -> ConnectionCheck:
        try:
            answer = shapes.as_object(
                self._api("GET", "/Tickets", params={"page_size": 1, "page_no": 1, "pageinate": "true"}), "tickets"
            )
            count = int(shapes.number(answer, "record_count", "tickets"))
        except PsaError as exc:
            return ConnectionCheck(ok=False, message=str(exc))
        return ConnectionCheck(ok=True, message=f"Connected to {LABEL}: {count} ticket(s) visible to this client.")

    def find_ticket(self, number: str) -> Ticket:
        """HaloPSA shows the ticket id as its number."""
        return self.get_ticket(number)

    def get_ticket(self, ticket_id: str) -> Ticket:
        tid = shapes.numeric_id(ticket_id, "HaloPSA ticket")
        data = shapes.as_object(self._api("GET", f"/Tickets/{tid}", params={"includedetails": "true"}), "ticket")
        summary = self._summary(data)
        details = shapes.text(data, "details", "ticket", limit=shapes.NOTE_SEARCH_LIMIT)
        return Ticket(
            id=summary.id,
            number=summary.number,
            summary=summary.summary,
            description=html_to_text(details, limit=shapes.DESCRIPTION_LIMIT),
            company=summary.company,
            status=summary.status,
            closed=shapes.flag(data, "hasbeenclosed", "ticket"),
        )

    def open_tickets(self, identity: Identity, *, limit: int = 50) -> list[TicketSummary]:
        agent = identity.agent_id.strip()
        if not agent.isdigit():
            raise PsaIdentityMissing("No HaloPSA agent id is set for this engineer.")
        params = {
            "agent_id": agent,
            "open_only": "true",
            "pageinate": "true",
            "page_size": max(1, min(limit, 100)),
            "page_no": 1,
            "order": "id",
            "orderdesc": "true",
        }
        answer = shapes.as_object(self._api("GET", "/Tickets", params=params), "tickets")
        items = shapes.as_list(answer.get("tickets", []), "tickets")
        return [self._summary(shapes.as_object(item, "ticket")) for item in items[:limit]]

    # Writing.

    def _post_action(self, action: dict[str, Any]) -> Written:
        created = self._api("POST", "/Actions", json_body=[action])
        if isinstance(created, list):
            if len(created) != 1:
                raise PsaBadResponse(f"{LABEL} answered the new action with {len(created)} items.")
            created = created[0]
        created = shapes.as_object(created, "created action")
        return Written(external_id=shapes.identifier(created, "id", "created action"))

    def add_note(
        self, ticket_id: str, *, text: str, internal: bool, resolution: bool, identity: Identity, marker: str
    ) -> Written:
        """An action hidden from the end user when internal (HaloPSA has no resolution flag on an action)."""
        action: dict[str, Any] = {
            "ticket_id": shapes.numeric_id(ticket_id, "HaloPSA ticket"),
            "outcome": PRIVATE_OUTCOME if internal else NOTE_OUTCOME,
            "note": shapes.with_marker(text, marker),
            "hiddenfromuser": internal,
        }
        if identity.agent_id.strip().isdigit():
            action["who_agentid"] = int(identity.agent_id)
        return self._post_action(action)

    def _write_time(self, ticket_id: str, entry: TimeEntry, identity: Identity) -> Written:
        """A private action whose `timetaken` is the hours worked (decimal hours)."""
        arrival, completion = utc_span(entry.start, entry.hours)
        action: dict[str, Any] = {
            "ticket_id": shapes.numeric_id(ticket_id, "HaloPSA ticket"),
            "outcome": PRIVATE_OUTCOME,
            "note": shapes.with_marker(entry.notes, entry.marker),
            "hiddenfromuser": True,
            "timetaken": entry.billed_hours,
            "actionarrivaldate": arrival,
            "actioncompletiondate": completion,
        }
        if identity.agent_id.strip().isdigit():
            action["who_agentid"] = int(identity.agent_id)
        return self._post_action(action)

    def _find_action(self, ticket_id: str, marker: str, *, timed: bool) -> Written | None:
        tid = shapes.numeric_id(ticket_id, "HaloPSA ticket")
        answer = shapes.as_object(
            self._api("GET", "/Actions", params={"ticket_id": tid, "excludesys": "true", "count": MAX_ACTIONS}),
            "actions",
        )
        for item in shapes.as_list(answer.get("actions", []), "actions"):
            action = shapes.as_object(item, "action")
            if timed and shapes.number(action, "timetaken", "action") <= 0:
                continue
            note = shapes.text(action, "note", "action", limit=shapes.NOTE_SEARCH_LIMIT)
            if marker in note or marker in html_to_text(note, limit=shapes.NOTE_SEARCH_LIMIT):
                return Written(external_id=shapes.identifier(action, "id", "action"))
        return None

    def find_note(self, ticket_id: str, *, marker: str) -> Written | None:
        return self._find_action(ticket_id, marker, timed=False)

    def find_time_entry(self, ticket_id: str, *, marker: str) -> Written | None:
        return self._find_action(ticket_id, marker, timed=True)
