"""The database ends a runner's connection (pg_terminate_backend) in the middle of its work: the flywheel's
`manage.py analyze_pending` mid-backlog, the PSA sender's `manage.py send_psa_pushes` while a write to the
PSA is in flight. The runner dies with its claims held; once the lease has run out the next run finishes
the work, and nothing is lost or done twice."""

import subprocess
import sys
import time

import pytest
from django.utils import timezone

from bench.psa_sender import prepare as linked_sessions_with_due_pushes
from flowpilot.analysis_queue import analyze_pending
from flowpilot.models import AISession, PsaPush
from flowpilot.psa.sender import send_due_pushes
from flowpilot.tests.test_flywheel_concurrency import PROBLEMS, resolved_capture_sessions
from ops.processes import ROOT
from tests.faults.checks import (
    answered_steps,
    assert_analysed_exactly_once,
    assert_pushed_exactly_once,
    child_environment,
    connection_ended,
    markers_on,
    terminate_other_backends,
    wait_for,
)

pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]
LEASE_SECONDS = 3
PER_GROUP = 20  # 200 sessions: a run takes seconds, the fault lands in the middle of it


def start(*command: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=child_environment(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_analysis_whose_connection_is_terminated_mid_run_is_finished_once_after_lease_and_backoff(
    northwind_engineer,
):
    resolved_capture_sessions(northwind_engineer, PER_GROUP)
    answered = answered_steps()
    runner = start("analyze_pending", FLYWHEEL_LEASE_SECONDS=str(LEASE_SECONDS))
    try:
        assert wait_for(lambda: AISession.objects.filter(analysis_status="completed").count() >= 20, 120), (
            runner.communicate(timeout=5)[0].decode(errors="replace")[-3000:]
        )
        assert terminate_other_backends() >= 1
        output = runner.communicate(timeout=120)[0].decode(errors="replace")
    finally:
        if runner.poll() is None:
            runner.kill()

    # Killed inside a session's transaction, the runner rolls it back, records a retry on a new connection
    # and goes on; killed between statements, it dies with its claims held. Either way, after the lease
    # and the retry's backoff, the next run finishes every session exactly once.
    assert connection_ended(output), output[-3000:]
    assert AISession.objects.filter(analysis_status="completed").count() < len(PROBLEMS) * PER_GROUP
    time.sleep(LEASE_SECONDS + 0.5)
    AISession.objects.filter(analysis_status="pending").update(analysis_next_attempt_at=None)  # backoff over
    analyze_pending()

    assert_analysed_exactly_once(northwind_engineer.account, PER_GROUP)
    retried = AISession.objects.filter(account=northwind_engineer.account, analysis_attempts__gt=1)
    assert retried.count() <= 1  # only the session in hand, if any
    assert answered_steps() == answered, "no answered step lost or added"


def test_a_push_whose_sender_loses_its_connection_after_writing_to_the_psa_is_not_written_again(fake_psa):
    linked_sessions_with_due_pushes(fake_psa, 100)
    sender = start("send_psa_pushes", PSA_PUSH_LEASE_SECONDS=str(LEASE_SECONDS))
    try:
        assert wait_for(lambda: PsaPush.objects.filter(status="succeeded").count() >= 10, 120), sender.communicate(
            timeout=5
        )[0].decode(errors="replace")[-3000:]
        # The next note is stored by the PSA, whose answer then takes 3 s: the connection ends meanwhile.
        notes_before = len(fake_psa.requests("POST", "*/notes"))
        fake_psa.hang("POST", "*/notes", seconds=3, after_store=True)
        assert wait_for(lambda: len(fake_psa.requests("POST", "*/notes")) > notes_before, 30)
        assert terminate_other_backends() >= 1
        output = sender.communicate(timeout=60)[0].decode(errors="replace")
    finally:
        if sender.poll() is None:
            sender.kill()

    # The sender's connection is gone: handing its claims back fails too, and the run ends with an error.
    assert connection_ended(output), output[-3000:]
    assert sender.returncode != 0, output[-2000:]
    in_flight = PsaPush.objects.filter(status="pending", attempts=1).exclude(lease_until=None)
    assert in_flight.exists(), "the push being written was left claimed, its write not recorded"
    assert max(markers_on(fake_psa).values()) == 1

    time.sleep(LEASE_SECONDS + 0.5)
    PsaPush.objects.filter(status="failed").update(next_attempt_at=timezone.now())
    send_due_pushes()

    assert_pushed_exactly_once(fake_psa, 100)
