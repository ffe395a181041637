"""What the fault tests share: the environment of the processes they start on the test's own database, the
faults themselves (connections terminated by the server, an HTTP peer that never answers), and what every
fault must leave behind, checked the same way each time: `assert_analysed_exactly_once` (every session
completed, one proposal per problem, each session in exactly one proposal, once),
`assert_pushed_exactly_once` (every push succeeded, its marker on the PSA exactly once) and `answered_steps`
(taken before the fault and compared after: no answered step lost or added).
"""

import socket
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import connection

from flowpilot.models import AISession, AISessionStep, PsaPush
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.fake import FakePsa
from flowpilot.tests.test_flywheel_concurrency import PROBLEMS
from knowledge.models import FlowProposal
from ops.processes import base_environment, database_url


def child_environment(**overrides: str) -> dict:
    """The production settings (DEBUG off) on this test's database, for a worker or command it starts."""
    return base_environment(
        DJANGO_SETTINGS_MODULE="resolutionflow.settings",
        DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url(connection.settings_dict),
        PSA_ENCRYPTION_KEYS=",".join(settings.PSA_ENCRYPTION_KEYS),
        LLM_PROVIDER="none",
        EMBEDDING_PROVIDER="local",
        Q_WORKERS="2",
        **overrides,
    )


def wait_for(condition, seconds: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


# What a process says when the server ended its connection: PostgreSQL's own notice when the client was
# waiting for an answer, libpq's when the server went away while it sent or read.
CONNECTION_ENDED = ("terminating connection due to administrator command", "server closed the connection unexpectedly")


def connection_ended(output: str) -> bool:
    return any(message in output for message in CONNECTION_ENDED)


def terminate_other_backends() -> int:
    """pg_terminate_backend every other connection to this database (the child's): the server ends them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def assert_analysed_exactly_once(account, per_group: int) -> None:
    """The account's sessions (PROBLEMS × `per_group` reports) were each analysed, into one proposal per problem."""
    total = len(PROBLEMS) * per_group
    sessions = AISession.objects.filter(account=account)
    assert sessions.count() == total
    left = list(sessions.exclude(analysis_status="completed").values("id", "analysis_status", "analysis_error"))
    assert left == [], "every session is analysed"
    assert not sessions.filter(analysis_lease_until__isnull=False).exists(), "no claim is left behind"
    proposals = FlowProposal.objects.filter(account=account, proposal_type="new_flow")
    assert proposals.count() == len(PROBLEMS), "one proposal per problem, none duplicated"
    every_id = [sid for p in proposals for sid in p.supporting_session_ids]
    assert len(every_id) == len(set(every_id)) == total, "each session supports exactly one proposal, once"
    assert sorted(p.supporting_session_count for p in proposals) == [per_group] * len(PROBLEMS)


def answered_steps() -> dict:
    """{session id: its answered steps, in order, as (order, free text, result)}."""
    steps = AISessionStep.objects.filter(answered_at__isnull=False).order_by("session_id", "order")
    answered: dict = {}
    for session_id, order, text, result in steps.values_list("session_id", "order", "free_text_input", "action_result"):
        answered.setdefault(session_id, []).append((order, text, result))
    return answered


def markers_on(fake: FakePsa, provider=Provider.CONNECTWISE) -> Counter:
    """How many times each push's marker reached the PSA (in a note's text or a time entry's notes)."""
    texts = [note.text for note in fake.notes(provider)] + [entry.notes for entry in fake.time_entries(provider)]
    written = Counter()
    for marker in PsaPush.objects.values_list("marker", flat=True):
        written[marker] = sum(marker in text for text in texts)
    return written


def assert_pushed_exactly_once(fake: FakePsa, expected: int) -> None:
    statuses = Counter(PsaPush.objects.values_list("status", flat=True))
    assert statuses == {"succeeded": expected}, statuses
    written = markers_on(fake)
    assert len(written) == expected
    assert {marker: count for marker, count in written.items() if count != 1} == {}, "each push written once"


class HangingServer:
    """A TCP server on 127.0.0.1 that accepts connections, reads what is sent and never answers."""

    def __init__(self):
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.connections = 0
        self._held: list[socket.socket] = []
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while self._running:
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._held.append(conn)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._running = False
        self._thread.join()
        for conn in self._held:
            conn.close()
        self._socket.close()
