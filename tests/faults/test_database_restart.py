"""The database is stopped and started again under a running web server (gunicorn, as `make serve` runs it,
on a PostgreSQL of its own reached over TCP) while an engineer works a session linked to a PSA ticket:
/healthz and the API answer 503 with Retry-After while it is down (never 500) and 200 once it is back,
without restarting the web server; then the session is analysed once, its pushes written once, and no
answered step is lost."""

import json
import urllib.request

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from flowpilot.psa.connectors.base import Provider
from ops.postgres import TcpPostgres
from ops.processes import base_environment, free_port, http_status, manage, wait_until
from ops.serve import production_environment, services
from resolutionflow.api.errors import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.serial  # its own PostgreSQL and web server on free ports

DATABASE = "resolutionflow_faults"
# Run in the child (`manage.py shell`): an account connected to the fake PSA, an engineer and an API token.
SETUP = """
from rest_framework.authtoken.models import Token
from flowpilot.psa.demo_connection import connect_to_fake
from resolutionflow.models import Account, Role, User
account = Account.objects.create(name="Restart", slug="restart")
user = User.objects.create_user(email="engineer@restart.test", password=None, account=account, role=Role.ENGINEER)
connect_to_fake(account, {url!r})
print("TOKEN", Token.objects.create(user=user).key)
"""


@pytest.fixture
def own_postgres():
    server = TcpPostgres(settings.DATA_DIR / f"pg-faults-{free_port()}", free_port()).start()
    server.create_database(DATABASE)
    yield server
    server.destroy()


def call(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict, dict]:
    """(status, headers, JSON body) of an API request; an error status is an answer too."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


def test_the_database_restarted_under_gunicorn_answers_503_then_200_and_loses_nothing(own_postgres, fake_psa, tmp_path):
    env, _ = production_environment(
        "127.0.0.1",
        base=base_environment(
            DATABASE_URL=own_postgres.url(DATABASE),
            SECRET_KEY="fault-test-only",
            PSA_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            WEB_CONCURRENCY="2",
            CONN_MAX_AGE="60",  # persistent connections, which the restart drops under each worker
            LLM_PROVIDER="none",
            EMBEDDING_PROVIDER="local",
        ),
    )
    manage("migrate", "--noinput", env=env)
    token = manage("shell", "-c", SETUP.format(url=fake_psa.url), env=env).stdout.split("TOKEN ")[1].strip()
    ticket = fake_psa.tickets(Provider.CONNECTWISE)[0]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = services(env, "127.0.0.1", port, tmp_path)[0].start()
    try:
        assert wait_until(lambda: http_status(f"{base}/healthz") == 200, 60), web.tail()
        started, _, session = call(
            "POST", f"{base}/api/v1/ai-sessions", token, {"intake": ticket.summary, "ticket_id": str(ticket.number)}
        )
        assert started == 201, session
        steps = f"{base}/api/v1/ai-sessions/{session['id']}/steps"
        answer = {"free_text": "Cleared the cached credentials", "result": "Still prompting"}
        assert call("POST", steps, token, answer)[0] == 200

        own_postgres.stop("fast")
        down = [http_status(f"{base}/healthz") for _ in range(4)]  # each of gunicorn's workers, at least once
        refused = [call("POST", steps, token, answer) for _ in range(2)]
        own_postgres.start()
        back = wait_until(lambda: http_status(f"{base}/healthz") == 200, 30)
        after = [http_status(f"{base}/healthz") for _ in range(4)]

        again = {"free_text": "Rebuilt the Outlook profile", "result": "No more prompts"}
        assert call("POST", steps, token, again)[0] == 200
        resolved, _, detail = call(
            "POST", f"{base}/api/v1/ai-sessions/{session['id']}/resolve", token, {"resolution_summary": "New profile"}
        )
    finally:
        web.stop()

    assert down == [503] * 4
    for status, headers, body in refused:  # the API's answer while the database is down: try again shortly
        assert status == 503 and headers["Retry-After"] == str(RETRY_AFTER_SECONDS), body
        assert "try again" in body["detail"]
    assert back and after == [200] * 4, web.tail()
    assert resolved == 200 and len(detail["psa_pushes"]) == 2, detail
    manage("analyze_pending", env=env)
    manage("send_psa_pushes", env=env)
    with psycopg.connect(own_postgres.url(DATABASE)) as db:
        answered = db.execute(
            "SELECT free_text_input FROM flowpilot_aisessionstep WHERE session_id = %s AND answered_at IS NOT NULL "
            'ORDER BY "order"',
            [session["id"]],
        ).fetchall()
        analysis = db.execute(
            "SELECT analysis_status, analysis_attempts FROM flowpilot_aisession WHERE id = %s", [session["id"]]
        ).fetchone()
        pushes = db.execute("SELECT status, marker FROM flowpilot_psapush WHERE session_id = %s", [session["id"]])
        pushes = pushes.fetchall()
    assert answered == [("Cleared the cached credentials",), ("Rebuilt the Outlook profile",)], "no step lost"
    assert analysis == ("completed", 1), "analysed exactly once"
    written = [note.text for note in fake_psa.notes(Provider.CONNECTWISE)]
    written += [entry.notes for entry in fake_psa.time_entries(Provider.CONNECTWISE)]
    assert sorted(status for status, _ in pushes) == ["succeeded", "succeeded"]
    assert [sum(marker in text for text in written) for _, marker in pushes] == [1, 1], "each push written once"
