"""Running the analysis: claim pending sessions safely, analyse each, retry failures with backoff.

Claims use `SELECT ... FOR UPDATE SKIP LOCKED` and a lease (analysis_lease_until): two workers, cron plus
a worker, or a worker that crashed mid-run never double-process or lose a session. While a session is
analysed its row stays locked, so even a lease that ran out cannot let a second runner in; the outcome,
the proposal and `completed` commit together. A failure is recorded and retried with backoff; after
FLYWHEEL_MAX_ATTEMPTS the session is `failed` and an admin action re-queues it.
"""

import logging
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from flowpilot.models import AISession, AnalysisStatus
from knowledge.flywheel.analysis import analyze_session

logger = logging.getLogger(__name__)
BATCH = 50


def claim_pending_sessions(limit: int) -> list:
    """Lease up to `limit` due pending sessions to this runner; returns their ids."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE flowpilot_aisession SET analysis_lease_until = clock_timestamp() + make_interval(secs => %s),
                   analysis_attempts = analysis_attempts + 1
            WHERE id IN (
                SELECT id FROM flowpilot_aisession
                WHERE analysis_status = 'pending'
                  AND (analysis_lease_until IS NULL OR analysis_lease_until < clock_timestamp())
                  AND (analysis_next_attempt_at IS NULL OR analysis_next_attempt_at <= clock_timestamp())
                ORDER BY resolved_at NULLS LAST, id
                LIMIT %s
                FOR UPDATE SKIP LOCKED
            )
            RETURNING id
            """,
            [settings.FLYWHEEL_LEASE_SECONDS, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def analyze_pending(limit: int | None = None, *, retry_failed: bool = False) -> Counter:
    """Analyse due pending sessions until none are left (or `limit` were claimed). Returns counts by result."""
    if retry_failed:
        requeue_failed()
    results = Counter()
    while limit is None or results.total() < limit:
        batch = claim_pending_sessions(BATCH if limit is None else min(BATCH, limit - results.total()))
        if not batch:
            break
        for session_id in batch:
            results[process(session_id)] += 1
    return results


def process(session_id) -> str:
    try:
        with transaction.atomic():
            session = (
                AISession.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("matched_flow", "account")
                .filter(pk=session_id, analysis_status=AnalysisStatus.PENDING)
                .first()
            )
            if session is None:
                return "skipped"  # another runner holds it, or it is done
            outcome = analyze_session(session)
            AISession.objects.filter(pk=session_id).update(
                analysis_status=AnalysisStatus.COMPLETED,
                analysis_outcome=outcome.outcome,
                analysis_reason=outcome.reason[:300],
                analysis_error="",
                analysis_lease_until=None,
                analysis_next_attempt_at=None,
            )
            return outcome.outcome
    except Exception as exc:  # any failure is recorded on the session and retried; nothing is lost
        logger.exception("Flywheel analysis failed for session %s", session_id)
        return _record_failure(session_id, exc)


def _record_failure(session_id, exc: Exception) -> str:
    session = AISession.objects.filter(pk=session_id).only("analysis_attempts").first()
    if session is None:
        return "skipped"
    failed = session.analysis_attempts >= settings.FLYWHEEL_MAX_ATTEMPTS
    backoff = timedelta(minutes=2**session.analysis_attempts)
    AISession.objects.filter(pk=session_id).update(
        analysis_status=AnalysisStatus.FAILED if failed else AnalysisStatus.PENDING,
        analysis_error=f"{type(exc).__name__}: {exc}"[:2000],
        analysis_lease_until=None,
        analysis_next_attempt_at=None if failed else timezone.now() + backoff,
    )
    return "failed" if failed else "retry"


def requeue_failed(queryset=None) -> int:
    """Put failed analyses back in the queue with fresh attempts (the admin action and --retry-failed)."""
    queryset = queryset if queryset is not None else AISession.objects.all()
    return queryset.filter(analysis_status=AnalysisStatus.FAILED).update(
        analysis_status=AnalysisStatus.PENDING,
        analysis_attempts=0,
        analysis_next_attempt_at=None,
        analysis_lease_until=None,
    )
