"""`make serve` for real: gunicorn and the worker on a free port, DEBUG off, static files from whitenoise."""

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from ops.processes import ROOT, base_environment, database_url, free_port, http_status, wait_until

pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]  # real processes on a port


@pytest.fixture
def served(tmp_path):
    """`python -m ops.serve` (what `make serve` runs) on this test's database; yields (base URL, its output)."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = base_environment(
        DATABASE_URL=database_url(connection.settings_dict),
        LLM_PROVIDER="none",
        EMBEDDING_PROVIDER="local",
        WEB_CONCURRENCY="2",
        Q_WORKERS="1",
    )
    with open(log, "wb") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "ops.serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_until(lambda: http_status(f"{base}/healthz") == 200, 90):
            pytest.fail(f"make serve never answered /healthz:\n{log.read_text()[-3000:]}")
        yield base, launcher, log
    finally:
        if launcher.poll() is None:  # the test failed before its own SIGTERM: stop it the way it stops its
            launcher.send_signal(signal.SIGTERM)  # children (each in its own process group), then for sure
            try:
                launcher.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()


def get(url: str, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_make_serve_answers_healthz_serves_static_files_and_stops_on_sigterm(served):
    base, launcher, log = served
    manifest = json.loads((ROOT / settings.STATIC_ROOT.name / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/app.css"]

    status, headers, body = get(f"{base}/static/{hashed}", **{"Accept-Encoding": "gzip"})
    not_found, _, page = get(f"{base}/no-such-page/")
    login, _, _ = get(f"{base}/accounts/login/")

    assert status == 200
    assert "immutable" in headers["Cache-Control"]  # whitenoise: a hashed name is cached for ever
    assert headers.get("Content-Encoding") == "gzip"
    assert not_found == 404 and b"URLconf" not in page  # DEBUG is off
    assert login == 200  # plain HTTP on loopback: no redirect to HTTPS
    output = log.read_text()
    assert "Plain HTTP on loopback" in output and "DEBUG off" in output
    assert "warmed up in" in output  # a gunicorn worker takes requests once warmed up

    launcher.send_signal(signal.SIGTERM)
    assert launcher.wait(timeout=40) == 0
    assert http_status(f"{base}/healthz", timeout=2) is None  # gunicorn is gone with it
