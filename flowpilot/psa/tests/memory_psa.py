"""An in-memory PSA for the push and link tests: it keeps tickets, notes and time entries, and can be told
to fail the next calls (an error before storing, or a timeout after storing, as a real PSA may).

`memory_psa` (a fixture) stands in for an account's connection and connector: `memory_psa.connect(account)`
gives the account a PSA. The connectors themselves are tested against the fake PSA server (flowpilot/psa/fake).
"""

import itertools
import threading
from dataclasses import dataclass, field

import pytest

from flowpilot.psa import connection as connections
from flowpilot.psa import services
from flowpilot.psa.connectors.base import (
    Identity,
    PsaNotFound,
    PsaTimeout,
    Ticket,
    TicketSummary,
    Written,
)


@dataclass
class MemoryConnection:
    account_id: object
    provider: str = "connectwise"
    identities: dict = field(default_factory=dict)

    def identity_for(self, user):
        return self.identities.get(user.pk) or Identity(member_id="7", member_identifier="default")


class MemoryPsa:
    def __init__(self):
        self.tickets: dict[str, Ticket] = {}
        self.notes: list[dict] = []
        self.time_entries: list[dict] = []
        self.calls: list[str] = []
        self.connections: dict = {}
        self.unreachable = False
        self.closed = 0  # how often a connector was closed
        self._failures: list[tuple[str, Exception, bool]] = []  # (call, error, store first)
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()

    # ── a connector's life: one instance stands for every connector opened ──
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        self.closed += 1

    # ── set-up ──
    def connect(self, account, **identities) -> MemoryConnection:
        self.connections[account.pk] = MemoryConnection(account.pk, identities=identities)
        return self.connections[account.pk]

    def add_ticket(self, number="41233", *, summary="Outlook keeps asking for a password", company="Acme Dental"):
        ticket = Ticket(
            id=f"id-{number}",
            number=number,
            summary=summary,
            description="Since this morning Outlook prompts every few minutes.",
            company=company,
            status="New",
        )
        self.tickets[number] = ticket
        return ticket

    def fail_next(self, call: str, error: Exception, *, after_storing: bool = False) -> None:
        """The next `call` ("add_note", "log_time", ...) raises `error` (after storing, for a timeout)."""
        self._failures.append((call, error, after_storing))

    # ── the Connector contract ──
    def _failure(self, call):
        with self._lock:
            self.calls.append(call)
            if self.unreachable:
                raise PsaTimeout("The PSA did not answer in time.")
            for index, (name, error, after) in enumerate(self._failures):
                if name == call:
                    del self._failures[index]
                    return error, after
        return None, False

    def _raise_before(self, call):
        error, after = self._failure(call)
        if error is not None and not after:
            raise error
        return error

    def find_ticket(self, number):
        self._raise_before("find_ticket")
        if number not in self.tickets:
            raise PsaNotFound(f"No ticket {number}.", status=404)
        return self.tickets[number]

    def get_ticket(self, ticket_id):
        self._raise_before("get_ticket")
        return next(t for t in self.tickets.values() if t.id == ticket_id)

    def open_tickets(self, identity, *, limit=50):
        self._raise_before("open_tickets")
        return [TicketSummary(t.id, t.number, t.summary, t.company, t.status) for t in self.tickets.values()][:limit]

    def add_note(self, ticket_id, *, text, internal, resolution, identity, marker):
        late = self._raise_before("add_note")
        with self._lock:
            note = {"id": str(next(self._ids)), "ticket_id": ticket_id, "text": f"{text}\n\n{marker}"}
            note.update(internal=internal, resolution=resolution, identity=identity, marker=marker)
            self.notes.append(note)
        if late is not None:
            raise late
        return Written(note["id"])

    def find_note(self, ticket_id, *, marker):
        self._raise_before("find_note")
        found = [n for n in self.notes if n["ticket_id"] == ticket_id and marker in n["text"]]
        return Written(found[0]["id"]) if found else None

    def log_time(self, ticket_id, *, start, end, hours, notes, identity, marker):
        late = self._raise_before("log_time")
        with self._lock:
            entry = {"id": str(next(self._ids)), "ticket_id": ticket_id, "notes": f"{notes}\n{marker}"}
            entry.update(start=start, end=end, hours=hours, identity=identity, marker=marker)
            self.time_entries.append(entry)
        if late is not None:
            raise late
        return Written(entry["id"])

    def find_time_entry(self, ticket_id, *, marker):
        self._raise_before("find_time_entry")
        found = [e for e in self.time_entries if e["ticket_id"] == ticket_id and marker in e["notes"]]
        return Written(found[0]["id"]) if found else None


@pytest.fixture
def memory_psa(monkeypatch):
    psa = MemoryPsa()
    monkeypatch.setattr(connections, "enabled_connection", lambda account: psa.connections.get(account.pk))
    monkeypatch.setattr(services, "open_connector", lambda connection, timeout_seconds=None: psa)
    return psa
