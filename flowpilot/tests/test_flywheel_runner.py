"""The flywheel's runner: claims, attempts, the attempt cap, failures and backoff, bounded runs, the worker task."""

import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from flowpilot import analysis_queue, engine, tasks
from flowpilot.analysis_queue import analyze_pending, claim_pending_sessions, process
from flowpilot.models import AISession
from knowledge.models import FlowProposal


def capture_session(user, intake="Plotter in the drawing office prints blank pages"):
    session = engine.start_session(user, intake, prefer_capture=True)
    engine.answer_step(session, free_text="Printed the plotter's test page", result="Also blank")
    return engine.resolve_session(session, resolution_summary="Replaced the failed printhead")


def reload(session):
    return AISession.objects.get(pk=session.pk)


@pytest.fixture
def backlog(northwind_engineer):
    problems = ["Plotter prints blank pages", "Desk phone has one-way audio", "Scanner types garbage characters"]
    return [capture_session(northwind_engineer, problem) for problem in problems]


# ── Claims and attempts ──


def test_an_attempt_counts_when_processing_starts_not_for_the_whole_claimed_batch(backlog):
    asked = []

    def stop_after_one():
        asked.append(1)
        return len(asked) > 2  # the loop's check, the first session's check, then stop

    results = analyze_pending(stop=stop_after_one)

    assert results.total() == 1
    sessions = [reload(s) for s in backlog]
    assert sorted(s.analysis_attempts for s in sessions) == [0, 0, 1]
    done = [s for s in sessions if s.analysis_status == "completed"]
    assert len(done) == 1 and done[0].analysis_attempts == 1
    waiting = [s for s in sessions if s.analysis_status == "pending"]
    assert all(s.analysis_lease_until is None for s in waiting), "unstarted claims are handed back"


def test_a_session_that_stopped_its_worker_on_every_attempt_is_failed_at_claim_not_leased_again(
    northwind_engineer, settings
):
    settings.FLYWHEEL_MAX_ATTEMPTS = 3
    session = capture_session(northwind_engineer)
    AISession.objects.filter(pk=session.pk).update(
        analysis_attempts=3, analysis_lease_until=timezone.now() - timedelta(seconds=1)
    )

    claimed = claim_pending_sessions(10)

    assert claimed.claims == [] and claimed.gave_up == 1
    s = reload(session)
    assert s.analysis_status == "failed" and s.analysis_lease_until is None
    assert "Gave up after 3 attempts" in s.analysis_error
    assert analyze_pending() == {}


def test_a_killed_worker_uses_one_attempt_and_its_claims_are_handed_back(backlog, monkeypatch):
    def killed(session, prepared=None):
        raise KeyboardInterrupt  # what a signal does mid-analysis: nothing of the analysis commits

    monkeypatch.setattr(analysis_queue, "analyze_session", killed)
    with pytest.raises(KeyboardInterrupt):
        analyze_pending()

    sessions = [reload(s) for s in backlog]
    assert all(s.analysis_status == "pending" and s.analysis_lease_until is None for s in sessions)
    assert sorted(s.analysis_attempts for s in sessions) == [0, 0, 1]
    assert FlowProposal.objects.count() == 0


def test_an_expired_lease_of_a_crashed_worker_is_claimed_again(northwind_engineer):
    session = capture_session(northwind_engineer)
    first = claim_pending_sessions(10)
    assert [c.session_id for c in first.claims] == [session.pk]
    assert claim_pending_sessions(10).claims == []  # leased

    AISession.objects.filter(pk=session.pk).update(analysis_lease_until=timezone.now())
    second = claim_pending_sessions(10)
    assert [c.session_id for c in second.claims] == [session.pk]
    assert process(first.claims[0]) == "skipped", "the old claim is no longer the owner"
    assert process(second.claims[0]) == "new_flow"
    assert reload(session).analysis_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_claimed_session_another_transaction_locks_for_a_moment_is_analysed_not_skipped(northwind_engineer):
    """A second runner's claim can hold a lock on a row it looked at and passed over (Postgres keeps the
    lock of a row that failed the recheck until that claim commits): the owner waits, it does not skip."""
    session = capture_session(northwind_engineer)
    claim = claim_pending_sessions(10).claims[0]
    locked, release = threading.Event(), threading.Event()

    def other_transaction():
        with psycopg.connect(**connection.get_connection_params()) as other:
            other.execute("SELECT id FROM flowpilot_aisession WHERE id = %s FOR UPDATE", [session.pk])
            locked.set()
            release.wait(5)
            time.sleep(0.5)

    thread = threading.Thread(target=other_transaction)
    thread.start()
    locked.wait(5)
    release.set()
    try:
        outcome = process(claim)
    finally:
        thread.join()

    assert outcome == "new_flow"
    s = reload(session)
    assert s.analysis_status == "completed" and s.analysis_attempts == 1 and s.analysis_lease_until is None


# ── Failures ──


def test_a_failure_is_recorded_retried_with_backoff_then_failed_and_requeued(northwind_engineer, monkeypatch):
    session = capture_session(northwind_engineer)

    def boom(session, prepared=None):
        raise RuntimeError("LLM exploded")

    monkeypatch.setattr(analysis_queue, "analyze_session", boom)
    assert analyze_pending() == {"retry": 1}
    s = reload(session)
    assert s.analysis_status == "pending" and s.analysis_attempts == 1 and "LLM exploded" in s.analysis_error
    assert s.analysis_next_attempt_at is not None and s.analysis_lease_until is None
    assert analyze_pending() == {}  # not due yet

    for _attempt in (2, 3):
        AISession.objects.filter(pk=session.pk).update(analysis_next_attempt_at=None)
        analyze_pending()
    s = reload(session)
    assert s.analysis_status == "failed" and s.analysis_attempts == 3

    monkeypatch.undo()
    assert analyze_pending(retry_failed=True) == {"new_flow": 1}
    assert reload(session).analysis_status == "completed"


def test_a_session_whose_proposal_cannot_be_built_fails_alone(backlog, monkeypatch):
    from knowledge.flywheel import analysis

    broken = backlog[1]
    build = analysis.builder.new_flow_envelope

    def sometimes_broken(session, steps, *generaliser):
        if session.pk == broken.pk:
            raise ValueError("no tree")
        return build(session, steps, *generaliser)

    monkeypatch.setattr(analysis.builder, "new_flow_envelope", sometimes_broken)
    assert analyze_pending() == {"new_flow": 2, "retry": 1}
    assert "ValueError: no tree" in reload(broken).analysis_error


# ── Bounded runs and the worker task ──


def test_a_run_stops_after_its_time_and_hands_the_rest_back(backlog, monkeypatch):
    ticks = iter([0.0, 0.0, 0.0])  # the start, the claim, the first session; then 10 s have passed
    monkeypatch.setattr(analysis_queue, "time", SimpleNamespace(monotonic=lambda: next(ticks, 10.0)))

    results = analyze_pending(max_seconds=5)

    assert results.total() == 1
    sessions = [reload(s) for s in backlog]
    assert sum(s.analysis_status == "completed" for s in sessions) == 1
    assert all(s.analysis_lease_until is None for s in sessions)


def test_the_worker_task_is_bounded_and_queues_the_next_run_while_sessions_are_due(backlog, settings, monkeypatch):
    from django_q.conf import Conf
    from django_q.models import OrmQ

    monkeypatch.setattr(Conf, "SYNC", False)
    settings.FLYWHEEL_TASK_MAX_SESSIONS = 2

    assert tasks.analyze_pending_sessions() == {"new_flow": 2}
    assert OrmQ.objects.count() == 1  # the continuation

    assert tasks.analyze_pending_sessions() == {"new_flow": 1}
    assert OrmQ.objects.count() == 1  # nothing left: no further run queued
    assert AISession.objects.filter(analysis_status="completed").count() == 3
