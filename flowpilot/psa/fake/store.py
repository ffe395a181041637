"""The fake PSA's memory: tickets, notes and time entries per provider, the failures a test queued,
and a log of the requests it answered. One lock guards it all (the server answers on many threads)."""

from __future__ import annotations

import collections
import datetime as dt
import fnmatch
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from flowpilot.psa.connectors.base import Identity, Provider
from flowpilot.psa.connectors.html_text import html_to_text

from . import seeds


@dataclass
class FakeTicket:
    provider: Provider
    id: int
    number: str
    summary: str
    description: str  # HaloPSA: the HTML `details`; ConnectWise and Autotask: plain text
    company: str
    company_id: int
    status: str
    closed: bool
    owner: Identity


@dataclass
class FakeNote:
    provider: Provider
    id: int
    ticket_id: int
    text: str
    internal: bool
    resolution: bool
    native: dict[str, Any]  # the stored object as this PSA answers it
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass
class FakeTimeEntry:
    provider: Provider
    id: int
    ticket_id: int
    start: str
    end: str
    hours: float
    notes: str
    who: str
    native: dict[str, Any]
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass
class Failure:
    """What the fake does instead of (or after) answering a matching request.

    `status` None with a `delay` means "hang, then answer normally"; `after_store` means the request is
    carried out first (a note stored) and the hang or status comes after, like a PSA that wrote and
    then timed out.
    """

    method: str | None
    path_glob: str
    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    after_store: bool = False
    remaining: int = 1
    echo: bool = False  # put the request's credential headers and body in the error, as a careless PSA might
    body: Any = None  # answer this body instead (e.g. `{"record_count": float("inf")}`: JSON's Infinity)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and fnmatch.fnmatchcase(path, self.path_glob)


MAX_LOGGED_REQUESTS = 100_000  # `manage.py fake_psa` may run for days

FIRST_IDS = {
    (Provider.CONNECTWISE, "ticket"): 48211,
    (Provider.CONNECTWISE, "note"): 900001,
    (Provider.CONNECTWISE, "time"): 520001,
    (Provider.HALOPSA, "ticket"): 10231,
    (Provider.HALOPSA, "note"): 88001,
    (Provider.HALOPSA, "time"): 88001,  # Halo notes and time entries are both actions: one sequence
    (Provider.AUTOTASK, "ticket"): 7301,
    (Provider.AUTOTASK, "note"): 31001,
    (Provider.AUTOTASK, "time"): 64001,
    (Provider.AUTOTASK, "number"): 42,
}


class FakeStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tickets: dict[Provider, dict[int, FakeTicket]] = {provider: {} for provider in Provider}
        self.notes: list[FakeNote] = []
        self.time_entries: list[FakeTimeEntry] = []
        self.failures: list[Failure] = []
        self.requests: collections.deque[tuple[str, str]] = collections.deque(maxlen=MAX_LOGGED_REQUESTS)
        self.halo_tokens: set[str] = set()
        self.companies: dict[str, int] = dict(seeds.COMPANIES)
        self._counters = {key: itertools.count(first) for key, first in FIRST_IDS.items()}
        self._counters[(Provider.HALOPSA, "time")] = self._counters[(Provider.HALOPSA, "note")]

    def next_id(self, provider: Provider, kind: str) -> int:
        with self.lock:
            return next(self._counters[(provider, kind)])

    def seed(self) -> None:
        for provider in Provider:
            for seed in seeds.SEED_TICKETS:
                description = seed.description_html
                if provider != Provider.HALOPSA:
                    description = html_to_text(description, limit=20_000)
                owner = (seeds.ENGINEER if seed.mine else seeds.COLLEAGUE)[provider]
                self.add_ticket(
                    provider,
                    summary=seed.summary,
                    description=description,
                    company=seed.company,
                    status=seed.status,
                    closed=seed.closed,
                    owner=owner,
                )

    # Writes.

    def add_ticket(
        self,
        provider: Provider,
        *,
        summary: str,
        description: str = "",
        company: str = "Contoso Dental",
        status: str = "New",
        closed: bool = False,
        owner: Identity | None = None,
    ) -> FakeTicket:
        """A ticket; on ConnectWise its description becomes the first note with detailDescriptionFlag."""
        provider = Provider(provider)
        with self.lock:
            ticket_id = self.next_id(provider, "ticket")
            number = str(ticket_id)
            if provider == Provider.AUTOTASK:
                number = f"T20261207.{self.next_id(provider, 'number'):04d}"
            ticket = FakeTicket(
                provider=provider,
                id=ticket_id,
                number=number,
                summary=summary,
                description=description,
                company=company,
                company_id=self.companies.setdefault(company, 101 + len(self.companies)),
                status=status,
                closed=closed,
                owner=owner or seeds.ENGINEER[provider],
            )
            self.tickets[provider][ticket_id] = ticket
            if provider == Provider.CONNECTWISE and description:
                note_id = self.next_id(provider, "note")
                native = {
                    "id": note_id,
                    "ticketId": ticket_id,
                    "text": description,
                    "detailDescriptionFlag": True,
                    "internalAnalysisFlag": False,
                    "resolutionFlag": False,
                }
                self.notes.append(FakeNote(provider, note_id, ticket_id, description, False, False, native))
            return ticket

    def add_note(self, note: FakeNote) -> FakeNote:
        with self.lock:
            self.notes.append(note)
        return note

    def add_time_entry(self, entry: FakeTimeEntry) -> FakeTimeEntry:
        with self.lock:
            self.time_entries.append(entry)
        return entry

    # Reads (copies, so a caller never iterates a list another thread appends to).

    def ticket(self, provider: Provider, ticket_id: int) -> FakeTicket | None:
        with self.lock:
            return self.tickets[Provider(provider)].get(ticket_id)

    def tickets_of(self, provider: Provider) -> list[FakeTicket]:
        with self.lock:
            return list(self.tickets[Provider(provider)].values())

    def notes_of(self, provider: Provider, ticket_id: int | None = None) -> list[FakeNote]:
        with self.lock:
            return [
                n
                for n in self.notes
                if n.provider == Provider(provider) and (ticket_id is None or n.ticket_id == int(ticket_id))
            ]

    def time_entries_of(self, provider: Provider, ticket_id: int | None = None) -> list[FakeTimeEntry]:
        with self.lock:
            return [
                e
                for e in self.time_entries
                if e.provider == Provider(provider) and (ticket_id is None or e.ticket_id == int(ticket_id))
            ]

    # Test control.

    def queue_failure(self, failure: Failure) -> None:
        with self.lock:
            self.failures.append(failure)

    def take_failure(self, method: str, path: str) -> Failure | None:
        with self.lock:
            for failure in self.failures:
                if failure.matches(method, path):
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self.failures.remove(failure)
                    return failure
            return None

    def log_request(self, method: str, path: str) -> None:
        with self.lock:
            self.requests.append((method, path))
