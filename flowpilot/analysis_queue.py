"""The Knowledge Flywheel's analysis queue: claim pending sessions safely, analyse each, retry failures.

FlowPilot owns the queue (its sessions carry the analysis bookkeeping); the flywheel in knowledge decides
and proposes from a plain `SessionFacts` this module builds from a session and its steps.

A claim leases a batch of due sessions (`SELECT ... FOR NO KEY UPDATE SKIP LOCKED`): their
`analysis_lease_until` becomes the claim's token, and only the holder of that token may analyse or release
them. The lease is the ownership, not a row lock: other transactions may lock a claimed row for a moment
(a second runner's claim looks at it and passes on; a foreign-key check takes KEY SHARE), so analysing
waits for the row instead of skipping it. Two workers, cron plus a worker, or a worker that crashed
mid-run never double-process or lose a session.

Attempts count when a session's processing starts (committed before the analysis, so a worker killed
mid-analysis still used one). A claim gives up on a session that has used FLYWHEEL_MAX_ATTEMPTS: it
becomes `failed` (a worker died on it each time) instead of being leased again forever. A failure is
recorded and retried with backoff; after FLYWHEEL_MAX_ATTEMPTS the session is `failed` and an admin action
(or `analyze_pending --retry-failed`) re-queues it.

A run can be bounded in sessions and seconds and asked to stop (SIGTERM): it finishes the session in
hand and hands its unstarted claims back (lease cleared), so the next run picks them up at once.
"""

import logging
import os
import signal
import threading
import time
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from flowpilot.models import AISession, AISessionStep, AnalysisStatus
from flowpilot.psa.push_models import TicketLink
from knowledge.flywheel.analysis import Outcome, analyze_session, prepare
from knowledge.flywheel.facts import SessionFacts, StepFacts
from scripts.selectors import team_templates

logger = logging.getLogger(__name__)
BATCH = 50
# Large columns the analysis never reads (vectors are parsed from text: about 0.3 ms each).
UNUSED_FIELDS = ("intake_embedding", "matched_flow__embedding", "matched_flow__search_document")


def known_client_names(account_ids) -> dict:
    """{account id: the client names its sessions gave and its linked PSA tickets' companies}: what
    generalisation replaces with "the client"."""
    names: dict = {account_id: set() for account_id in account_ids}
    rows = (
        AISession.objects.filter(account_id__in=list(names))
        .exclude(intake_content__client_name="")
        .values_list("account_id", "intake_content__client_name")
        .distinct()
    )
    companies = (
        TicketLink.objects.filter(account_id__in=list(names)).exclude(company="").values_list("account_id", "company")
    )
    for account_id, name in [*rows, *companies.distinct()]:
        if isinstance(name, str) and name.strip():
            names[account_id].add(name.strip())
    return {account_id: tuple(sorted(found)) for account_id, found in names.items()}


def _people(session: AISession) -> tuple[str, ...]:
    people = [session.engineer, session.escalated_to_user]
    return tuple(p.display_name for p in people if p is not None)


def session_facts(
    session: AISession, steps, known_names: tuple[str, ...] | None = None, templates: dict | None = None
) -> SessionFacts:
    """The session and its steps (in order) as the flywheel reads them. `known_names` are the account's
    client names, `templates` {(account id, team id): (slug, name) pairs} the script templates of the matched
    flow's team (each read here when not given: a batch reads them once per account or team)."""
    if known_names is None:
        known_names = known_client_names([session.account_id])[session.account_id]
    flow = session.matched_flow
    if flow is None:
        scripts = ()
    elif templates is not None and (session.account_id, flow.team_id) in templates:
        scripts = templates[(session.account_id, flow.team_id)]
    else:
        scripts = tuple(team_templates(session.account_id, flow.team_id))
    intake = session.intake_content or {}
    return SessionFacts(
        pk=session.pk,
        account=session.account,
        team_id=session.team_id,
        matched_flow=session.matched_flow,
        match_score=session.match_score,
        problem_summary=session.problem_summary,
        problem_domain=session.problem_domain,
        intake_text=session.intake_text,
        resolution_summary=session.resolution_summary,
        resolution_node_id=session.resolution_node_id,
        left_flow_node_id=session.left_flow_node_id,
        rating=session.rating,
        conversation_messages=session.conversation_messages or [],
        steps=tuple(
            StepFacts(
                order=step.order,
                step_type=step.step_type,
                content=step.content or {},
                flow_id=step.flow_id,
                flow_node_id=step.flow_node_id,
                selected_option=step.selected_option,
                free_text_input=step.free_text_input,
                was_free_text=step.was_free_text,
                action_result=step.action_result,
                answered_at=step.answered_at,
            )
            for step in steps
        ),
        client_name=str(intake.get("client_name") or ""),
        device=str(intake.get("device") or ""),
        people=_people(session),
        known_names=known_names,
        script_templates=scripts,
    )


def analyze(session: AISession) -> Outcome:
    """Analyse one session at once, outside the queue (no claim, no bookkeeping). Call in a transaction."""
    return analyze_session(session_facts(session, session.steps.order_by("order")))


@dataclass(frozen=True)
class Claim:
    session_id: int
    lease: datetime  # the claim's token: analysing, failing and releasing all check it


@dataclass(frozen=True)
class Claimed:
    claims: list[Claim]
    gave_up: int  # sessions past FLYWHEEL_MAX_ATTEMPTS, marked failed by this claim


def claim_pending_sessions(limit: int) -> Claimed:
    """Lease up to `limit` due pending sessions to this runner (those past the attempt cap become failed)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH due AS (
                SELECT id FROM flowpilot_aisession
                WHERE analysis_status = 'pending'
                  AND (analysis_lease_until IS NULL OR analysis_lease_until < clock_timestamp())
                  AND (analysis_next_attempt_at IS NULL OR analysis_next_attempt_at <= clock_timestamp())
                ORDER BY resolved_at NULLS LAST, id
                LIMIT %(limit)s
                FOR NO KEY UPDATE SKIP LOCKED
            )
            UPDATE flowpilot_aisession AS s SET
                analysis_status = CASE WHEN s.analysis_attempts >= %(cap)s THEN 'failed' ELSE 'pending' END,
                analysis_error = CASE WHEN s.analysis_attempts >= %(cap)s
                    THEN concat_ws(' Last error: ', 'Gave up after ' || s.analysis_attempts
                         || ' attempts: the last did not finish (its worker stopped or crashed).',
                         nullif(s.analysis_error, ''))
                    ELSE s.analysis_error END,
                analysis_lease_until = CASE WHEN s.analysis_attempts >= %(cap)s THEN NULL
                    ELSE statement_timestamp() + make_interval(secs => %(lease)s) END
            FROM due WHERE s.id = due.id
            RETURNING s.resolved_at, s.id, s.analysis_status, s.analysis_lease_until
            """,
            {"limit": limit, "cap": settings.FLYWHEEL_MAX_ATTEMPTS, "lease": settings.FLYWHEEL_LEASE_SECONDS},
        )
        rows = sorted(cursor.fetchall(), key=lambda row: (row[0] is None, row[0] or 0, row[1]))  # as claimed
    claims = [Claim(pk, lease) for _resolved, pk, status, lease in rows if status == AnalysisStatus.PENDING]
    for _resolved, pk, status, _lease in rows:
        if status == AnalysisStatus.FAILED:
            logger.error("Flywheel analysis of session %s gave up: every attempt stopped unfinished", pk)
    return Claimed(claims, len(rows) - len(claims))


def analyze_pending(
    limit: int | None = None, *, retry_failed: bool = False, max_seconds: float | None = None, stop=None
) -> Counter:
    """Analyse due pending sessions until none are left, `limit` were handled, `max_seconds` passed or
    `stop()` answers true. Unstarted claims are released on the way out. Returns counts by result."""
    if retry_failed:
        requeue_failed()
    deadline = None if max_seconds is None else time.monotonic() + max_seconds

    def stopping() -> bool:
        return (stop is not None and stop()) or (deadline is not None and time.monotonic() >= deadline)

    results = Counter()
    with _commits_without_flush_wait():
        while (limit is None or results.total() < limit) and not stopping():
            if not _run_batch(BATCH if limit is None else min(BATCH, limit - results.total()), results, stopping):
                break
    return results


def _run_batch(size: int, results: Counter, stopping) -> bool:
    """Claim and analyse one batch, adding to `results`; false when nothing was due."""
    claimed = claim_pending_sessions(size)
    if claimed.gave_up:
        results["failed"] += claimed.gave_up
    unfinished = list(claimed.claims)
    if not unfinished:
        return bool(claimed.gave_up)
    try:
        sessions, prepared = _load(unfinished)
        while unfinished and not stopping():
            claim = unfinished[0]
            results[process(claim, sessions.get(claim.session_id), prepared.get(claim.session_id))] += 1
            unfinished.pop(0)
    finally:
        release(unfinished)
    return bool(claimed.claims or claimed.gave_up)


@contextmanager
def _commits_without_flush_wait():
    """This connection's commits do not wait for the WAL flush while a run lasts (synchronous_commit off).

    A worker killed mid-run loses nothing committed; only a database crash can lose the last moments of
    claims, attempts and analyses, and then together (a session goes back to the queue with its proposal
    unmerged): every write of a run is repeatable. Two flush waits per session are most of its time.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            with suppress(DatabaseError), connection.cursor() as cursor:  # never hide the error on its way out
                cursor.execute("RESET synchronous_commit")


def _load(claims: list[Claim]) -> tuple[dict, dict]:
    """The claimed sessions (as facts) and their prepared analyses, in a few queries for the batch."""
    sessions = {
        s.pk: s
        for s in AISession.objects.select_related("matched_flow", "account", "engineer", "escalated_to_user")
        .defer(*UNUSED_FIELDS)
        .filter(pk__in=[c.session_id for c in claims])
    }
    steps: dict[int, list] = {pk: [] for pk in sessions}
    for step in AISessionStep.objects.filter(session_id__in=list(sessions)).order_by("session_id", "order"):
        steps[step.session_id].append(step)
    names = known_client_names({s.account_id for s in sessions.values()})
    teams = {(s.account_id, s.matched_flow.team_id) for s in sessions.values() if s.matched_flow is not None}
    templates = {(account_id, team_id): tuple(team_templates(account_id, team_id)) for account_id, team_id in teams}
    sessions = {
        pk: session_facts(session, steps[pk], names[session.account_id], templates) for pk, session in sessions.items()
    }
    try:
        prepared = prepare(sessions.values())
    except Exception:  # the batch's shared reads or embedding call failed: each session prepares itself
        logger.warning("Flywheel batch preparation failed; analysing its sessions one by one", exc_info=True)
        prepared = {}
    return sessions, prepared


def process(claim: Claim, session: SessionFacts | None = None, prepared=None) -> str:
    """Analyse one claimed session: count the attempt, lock its row (waiting, not skipping), record the
    outcome and `completed` in one transaction. A claim another runner took over is `skipped`."""
    if not _start_attempt(claim):
        return "skipped"
    try:
        with transaction.atomic():
            locked = AISession.objects.select_for_update(no_key=True, of=("self",)).filter(
                pk=claim.session_id, analysis_status=AnalysisStatus.PENDING, analysis_lease_until=claim.lease
            )
            if session is None:
                row = locked.select_related("matched_flow", "account").first()
                session = None if row is None else session_facts(row, row.steps.order_by("order"))
            elif not list(locked.values_list("pk", flat=True)):
                session = None
            if session is None:
                return "skipped"  # its lease ran out and another runner took it over
            outcome = analyze_session(session, prepared)
            AISession.objects.filter(pk=claim.session_id).update(
                analysis_status=AnalysisStatus.COMPLETED,
                analysis_outcome=outcome.outcome,
                analysis_reason=outcome.reason[:300],
                analysis_error="",
                analysis_lease_until=None,
                analysis_next_attempt_at=None,
            )
            return outcome.outcome
    except Exception as exc:  # any failure is recorded on the session and retried; nothing is lost
        logger.exception("Flywheel analysis failed for session %s", claim.session_id)
        return _record_failure(claim, exc)


def _start_attempt(claim: Claim) -> bool:
    """Count the attempt and commit it before the analysis starts; false if the claim is no longer ours."""
    return (
        AISession.objects.filter(
            pk=claim.session_id, analysis_status=AnalysisStatus.PENDING, analysis_lease_until=claim.lease
        ).update(analysis_attempts=F("analysis_attempts") + 1)
        == 1
    )


def _record_failure(claim: Claim, exc: Exception) -> str:
    session = (
        AISession.objects.filter(pk=claim.session_id, analysis_lease_until=claim.lease)
        .only("analysis_attempts")
        .first()
    )
    if session is None:
        return "skipped"
    failed = session.analysis_attempts >= settings.FLYWHEEL_MAX_ATTEMPTS
    backoff = timedelta(minutes=2**session.analysis_attempts)
    AISession.objects.filter(pk=claim.session_id, analysis_lease_until=claim.lease).update(
        analysis_status=AnalysisStatus.FAILED if failed else AnalysisStatus.PENDING,
        analysis_error=f"{type(exc).__name__}: {exc}"[:2000],
        analysis_lease_until=None,
        analysis_next_attempt_at=None if failed else timezone.now() + backoff,
    )
    return "failed" if failed else "retry"


def release(claims: list[Claim]) -> int:
    """Hand unstarted (or interrupted) claims back: their sessions are due again at once."""
    released = 0
    for lease in {c.lease for c in claims}:
        released += AISession.objects.filter(
            pk__in=[c.session_id for c in claims if c.lease == lease],
            analysis_status=AnalysisStatus.PENDING,
            analysis_lease_until=lease,
        ).update(analysis_lease_until=None)
    return released


def has_due_sessions() -> bool:
    now = timezone.now()
    return (
        AISession.objects.filter(analysis_status=AnalysisStatus.PENDING)
        .exclude(analysis_lease_until__gte=now)
        .exclude(analysis_next_attempt_at__gt=now)
        .exists()
    )


def requeue_failed(queryset=None) -> int:
    """Put failed analyses back in the queue with fresh attempts (the admin action and --retry-failed)."""
    queryset = queryset if queryset is not None else AISession.objects.all()
    return queryset.filter(analysis_status=AnalysisStatus.FAILED).update(
        analysis_status=AnalysisStatus.PENDING,
        analysis_attempts=0,
        analysis_next_attempt_at=None,
        analysis_lease_until=None,
    )


class StopOnSigterm:
    """While a run is in progress, SIGTERM asks it to stop after the session in hand (a callable: `stop()`).

    On the way out the previous handler is restored and, if SIGTERM came, it is honoured then: the default
    action ends the process, as the sender asked, once the run has handed its claims back. Outside the
    main thread (signals cannot be caught there) it only ever answers false.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum, frame):
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *exc_info):
        if self._previous is None:
            return False
        signal.signal(signal.SIGTERM, self._previous)
        if self.requested:
            if callable(self._previous):
                self._previous(signal.SIGTERM, None)
            elif self._previous == signal.SIG_DFL:
                os.kill(os.getpid(), signal.SIGTERM)
        return False
