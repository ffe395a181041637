"""A worker (`manage.py qcluster`) is killed with SIGKILL while it holds claims: a flywheel batch and a PSA
push whose note the PSA has stored but not yet acknowledged. Nothing is released; once the leases run out
the next runs take the claims over, and every session is analysed and every push written exactly once."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.tasks import async_task

from bench.psa_sender import prepare as linked_sessions_with_due_pushes
from flowpilot import tasks as flywheel_tasks
from flowpilot.analysis_queue import analyze_pending
from flowpilot.models import AISession, PsaPush
from flowpilot.psa import tasks as psa_tasks
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.sender import send_due_pushes
from flowpilot.tests.test_flywheel_concurrency import resolved_capture_sessions
from ops.processes import ROOT
from tests.faults.checks import (
    answered_steps,
    assert_analysed_exactly_once,
    assert_pushed_exactly_once,
    child_environment,
    wait_for,
)

pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]
LEASE_SECONDS = 3
PER_GROUP = 30  # 300 sessions: the worker is still on them when it is killed
PUSHES = 100


def test_claims_of_a_worker_killed_with_sigkill_are_taken_over_after_the_lease(northwind_engineer, fake_psa):
    resolved_capture_sessions(northwind_engineer, PER_GROUP)
    linked_sessions_with_due_pushes(fake_psa, PUSHES)
    answered = answered_steps()
    notes_before = len(fake_psa.notes(Provider.CONNECTWISE))
    env = child_environment(
        FLYWHEEL_LEASE_SECONDS=str(LEASE_SECONDS),
        PSA_PUSH_LEASE_SECONDS=str(LEASE_SECONDS),
        FLYWHEEL_TASK_MAX_SECONDS="120",  # one long run: the kill lands inside it
        PSA_TIMEOUT_SECONDS="120",
    )
    # The PSA stores the first note, then keeps the sender waiting for its answer until the kill.
    fake_psa.hang("POST", "*/notes", seconds=60, after_store=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Conf, "SYNC", False)  # queued in the ORM broker for the worker
        async_task(flywheel_tasks.TASK)
        async_task(psa_tasks.TASK)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        claimed_sessions = AISession.objects.filter(analysis_status="pending").exclude(analysis_lease_until=None)
        claimed_pushes = PsaPush.objects.exclude(status="succeeded").exclude(lease_until=None)
        in_the_middle = wait_for(
            lambda: (
                claimed_sessions.exists()
                and AISession.objects.filter(analysis_status="completed").exists()
                and len(fake_psa.notes(Provider.CONNECTWISE)) > notes_before
                and claimed_pushes.exists()
            ),
            240,
            interval=0.02,
        )
        assert in_the_middle, "the worker holds claims on both queues when it is killed"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    assert claimed_sessions.exists() and claimed_pushes.exists(), "a killed worker releases nothing"
    time.sleep(LEASE_SECONDS + 0.5)
    analyze_pending()
    PsaPush.objects.filter(status="failed").update(next_attempt_at=timezone.now())
    send_due_pushes()

    assert_analysed_exactly_once(northwind_engineer.account, PER_GROUP)
    retried = AISession.objects.filter(account=northwind_engineer.account, analysis_attempts__gt=1)
    assert retried.count() <= 1  # the session in hand, if any
    assert_pushed_exactly_once(fake_psa, PUSHES)
    assert answered_steps() == answered, "no answered step lost or added"
