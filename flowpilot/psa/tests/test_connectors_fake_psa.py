"""The fake PSA the connector tests rely on: it refuses what the real PSAs refuse, obeys the failures a
test queues, lists what it received on its page, and listens on this machine only."""

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from flowpilot.psa.connectors import connector_for
from flowpilot.psa.connectors.base import Identity, Provider
from flowpilot.psa.fake import FakePsa, connector_config


def cw_headers(fake):
    config = fake.config(Provider.CONNECTWISE)
    user = f"{config.settings['company_id']}+{config.secrets['public_key']}:{config.secrets['private_key']}"
    basic = base64.b64encode(user.encode()).decode()
    return {"Authorization": f"Basic {basic}", "clientId": config.settings["client_id"]}


@pytest.mark.parametrize(
    "path",
    ["/v2026_1/apis/3.0/service/tickets/48211", "/api/Tickets/10231", "/atservicesrest/V1.0/Tickets/7301"],
)
def test_every_provider_refuses_a_request_without_credentials(fake_psa, path):
    assert httpx.get(fake_psa.url + path).status_code == 401


def test_connectwise_refuses_a_note_without_a_flag(fake_psa):
    answer = httpx.post(
        f"{fake_psa.url}/v2026_1/apis/3.0/service/tickets/48211/notes", json={"text": "x"}, headers=cw_headers(fake_psa)
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidObject"


def test_connectwise_refuses_a_time_entry_in_local_time(fake_psa):
    body = {
        "chargeToId": 48211,
        "chargeToType": "ServiceTicket",
        "timeStart": "2026-12-07T10:00:00+01:00",
        "timeEnd": "2026-12-07T11:00:00+01:00",
        "member": {"id": 148},
    }

    answer = httpx.post(f"{fake_psa.url}/v2026_1/apis/3.0/time/entries", json=body, headers=cw_headers(fake_psa))

    assert answer.status_code == 400
    assert fake_psa.time_entries(Provider.CONNECTWISE) == []


def test_halo_refuses_a_token_request_without_the_client_secret(fake_psa):
    answer = httpx.post(
        f"{fake_psa.url}/auth/token?tenant=northwind",
        data={"grant_type": "client_credentials", "client_id": "resolutionflow-demo", "scope": "all"},
    )

    assert answer.status_code == 401


def test_a_queued_failure_answers_as_many_times_as_asked(fake_psa):
    fake_psa.fail("GET", "/api/Tickets/*", 500, times=2)

    with connector_for(fake_psa.config(Provider.HALOPSA)) as connector:
        for _ in range(2):
            with pytest.raises(Exception, match="500"):
                connector.get_ticket("10231")
        assert connector.get_ticket("10231").id == "10231"


def test_a_429_carries_the_retry_after_header(fake_psa):
    fake_psa.fail(None, "/", 429, retry_after="12")

    answer = httpx.get(fake_psa.url + "/")

    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "12")


def test_stopping_releases_a_hanging_request_at_once():
    fake = FakePsa().start()
    fake.hang("GET", "/", seconds=30)

    def wait_for_answer():
        with contextlib.suppress(httpx.HTTPError):  # a closed connection is an answer too
            httpx.get(fake.url + "/", timeout=60)

    thread = threading.Thread(target=wait_for_answer)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()

    fake.stop()
    thread.join(timeout=10)

    assert time.monotonic() - started < 5
    assert not thread.is_alive()


def test_the_page_lists_tickets_notes_and_time_entries_escaped(fake_psa):
    with connector_for(fake_psa.config(Provider.HALOPSA)) as connector:
        connector.add_note(
            "10231",
            text="<script>alert('x')</script> Fixed",
            internal=True,
            resolution=False,
            identity=Identity(agent_id="7"),
            marker="[ResolutionFlow ref page/resolve-note]",
        )

    page = httpx.get(fake_psa.url + "/")

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Fixed" in html
    assert "[ResolutionFlow ref page/resolve-note]" in html
    assert "T20261207.0042" in html
    assert html.count("Outlook keeps asking for a password") == 3  # one ticket per provider
    for title in ("ConnectWise PSA", "HaloPSA", "Autotask"):
        assert title in html


def test_the_fake_listens_on_loopback_only():
    with pytest.raises(ValueError):
        FakePsa("0.0.0.0")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_the_command_refuses_a_host_that_is_not_loopback(host):
    with pytest.raises(CommandError, match="this machine only"):
        call_command("fake_psa", "--host", host)


def test_the_command_serves_the_fake_and_stops_on_sigterm():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "resolutionflow.test_settings", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "fake_psa", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        ready = process.stdout.readline().decode()
        assert ready.startswith(f"Fake PSA on http://127.0.0.1:{port}/"), ready

        page = httpx.get(f"http://127.0.0.1:{port}/")
        with connector_for(connector_config(Provider.AUTOTASK, f"http://127.0.0.1:{port}")) as connector:
            ticket = connector.find_ticket("T20261207.0042")
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()

    assert page.status_code == 200 and "Fake PSA" in page.text
    assert ticket.company == "Contoso Dental"
    assert process.returncode == 0
    assert output.rstrip().endswith("Stopped.")
