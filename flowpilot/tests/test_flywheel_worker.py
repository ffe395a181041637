"""The real worker (`manage.py qcluster`) with a flywheel backlog: SIGTERM stops it within 10 s, no claim left."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf
from django_q.tasks import async_task

from flowpilot import tasks
from flowpilot.models import AISession
from flowpilot.tests.test_flywheel_concurrency import PROBLEMS, resolved_capture_sessions

pytestmark = pytest.mark.serial  # a real worker process, timed from SIGTERM
BASE_DIR = Path(settings.BASE_DIR)
PER_GROUP = 60  # 600 sessions: more than one bounded run analyses, even on a fast machine


def worker_environment() -> dict:
    """The production settings (DEBUG off, a real ORM broker) on this test's database, one worker process."""
    db = connection.settings_dict
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "resolutionflow.settings",
        "SECRET_KEY": settings.SECRET_KEY,  # the key the test signs its queued task with
        "DEBUG": "0",
        "DATABASE_URL": f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}&port={db['PORT']}",
        "LLM_PROVIDER": "none",
        "EMBEDDING_PROVIDER": "local",
        "Q_WORKERS": "1",
    }


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_worker_stops_within_10_s_of_sigterm_mid_backlog_and_leaves_no_session_claimed(
    northwind_engineer, monkeypatch
):
    resolved_capture_sessions(northwind_engineer, PER_GROUP)
    total = len(PROBLEMS) * PER_GROUP
    monkeypatch.setattr(Conf, "SYNC", False)  # queue it in the ORM broker for the worker, not run it here
    async_task(tasks.TASK)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env=worker_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if not wait_for(lambda: AISession.objects.filter(analysis_status="completed").exists(), 240):
            os.killpg(worker.pid, signal.SIGKILL)
            pytest.fail(f"the worker never analysed a session:\n{worker.communicate()[0].decode(errors='replace')}")
        worker.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        output, _ = worker.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    assert took < 10, f"stopped {took:.1f} s after SIGTERM\n{output.decode(errors='replace')[-3000:]}"
    claimed = AISession.objects.filter(analysis_status="pending", analysis_lease_until__isnull=False)
    assert list(claimed.values_list("id", flat=True)) == [], "unfinished claims are handed back"
    completed = AISession.objects.filter(analysis_status="completed").count()
    waiting = AISession.objects.filter(analysis_status="pending", analysis_lease_until__isnull=True).count()
    assert completed + waiting == total, "no session lost or failed"
    assert waiting > 0, "the worker was stopped mid-backlog, not after draining it"
    assert not AISession.objects.filter(analysis_status="pending", analysis_attempts__gt=0).exists()
