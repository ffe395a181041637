"""The database is stopped and started again under a running web server (gunicorn, as `make serve` runs it,
on a PostgreSQL of its own reached over TCP): /healthz answers 503 while it is down and 200 once it is back,
without restarting the web server."""

import pytest
from django.conf import settings

from ops.postgres import TcpPostgres
from ops.processes import base_environment, free_port, http_status, wait_until
from ops.serve import production_environment, services

pytestmark = pytest.mark.serial  # its own PostgreSQL and web server on free ports


@pytest.fixture
def own_postgres():
    server = TcpPostgres(settings.DATA_DIR / f"pg-faults-{free_port()}", free_port()).start()
    server.create_database("resolutionflow_faults")
    yield server
    server.destroy()


def test_healthz_answers_503_while_the_database_is_down_and_200_once_it_is_back(own_postgres, tmp_path):
    env, _ = production_environment(
        "127.0.0.1",
        base=base_environment(
            DATABASE_URL=own_postgres.url("resolutionflow_faults"),
            SECRET_KEY="fault-test-only",
            WEB_CONCURRENCY="2",
            LLM_PROVIDER="none",
        ),
    )
    port = free_port()
    web = services(env, "127.0.0.1", port, tmp_path)[0].start()
    healthz = f"http://127.0.0.1:{port}/healthz"
    try:
        assert wait_until(lambda: http_status(healthz) == 200, 60), web.tail()

        own_postgres.stop("fast")
        down = [http_status(healthz) for _ in range(4)]  # each of gunicorn's workers, at least once
        own_postgres.start()
        back = wait_until(lambda: http_status(healthz) == 200, 30)
        after = [http_status(healthz) for _ in range(4)]
    finally:
        web.stop()

    assert down == [503] * 4
    assert back and after == [200] * 4, web.tail()
