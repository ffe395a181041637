"""A 30-second run of the load (bench/load/run.py; `make load` runs it for minutes): 50 engineers and 5 admins,
signed in beforehand, on the demo without its history, against `make serve` with the real worker and the fake
PSA, on this test's database. No request fails, and the database lost or duplicated no step, proposal or
push. (The latency targets are `make load`'s: on a machine shared with the rest of the suite they are
printed, not asserted.)"""

import re
import subprocess
import sys

import pytest
from django.db import connection

from ops.processes import ROOT, base_environment, database_url

pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]
RESULT = re.compile(r"^RESULT load_(?P<name>\S+) (?P<metric>\w+)=(?P<value>\S+) target=(?P<target>\S+)$", re.M)


def test_thirty_seconds_of_load_fail_no_request_and_lose_nothing():
    url = database_url(connection.settings_dict)
    result = subprocess.run(
        [
            *(sys.executable, "bench/load/run.py", "--seconds", "30", "--database-url", url),
            *("--signed-in", "--without-history"),  # 55 password hashes and 90 days of demo sessions skipped
        ],
        cwd=ROOT,
        env=base_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    figures = {m["name"]: float(m["value"]) for m in RESULT.finditer(result.stdout)}
    output = result.stdout[-4000:] + result.stderr[-3000:]

    assert "answer_step_p95" in figures and "dashboard_p95" in figures, output  # every RESULT line printed
    assert figures["errors"] == 0, output
    counts = {name: value for name, value in figures.items() if not name.endswith("_p95") and name != "errors"}
    assert len(counts) == 8 and set(counts.values()) == {0}, output
    requests = re.search(r"requests served: (\d+)", result.stdout)
    assert requests and int(requests.group(1)) > 100, output
