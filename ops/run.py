"""`make run`: ResolutionFlow on this machine with its demo, saying what it does at each stage.

    .venv/bin/python -m ops.run [--host 127.0.0.1] [--port 8000]
    .venv/bin/python -m ops.run --stop-database

The stages: the embedded PostgreSQL (started, or reused when it is running), the migrations, the demo data (the
first time, with a progress bar; after that it is kept as it is), the worker and the fake PSA (their output in
.data/run/), then the development web server; once it answers /healthz, the URL and the demo logins by role.
Ctrl-C stops the web server, the worker and the fake PSA. The embedded PostgreSQL keeps running (the tests and
other commands share it, and the next `make run` starts faster); `--stop-database` stops it.
"""

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

from ops.processes import PYTHON, ROOT, Service, http_status, wait_until
from ops.serve import run as run_until_stopped

LOG_DIR = ROOT / ".data" / "run"
FAKE_PSA_PORT = 8765
STAGES = 5


def stage(number: int, text: str) -> None:
    print(f"[{number}/{STAGES}] {text}", flush=True)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resolutionflow.settings")
    import django

    django.setup()


def start_database() -> Path:
    """Start (or reuse) the embedded PostgreSQL by connecting to it; returns its data folder."""
    from django.conf import settings
    from django.db import connection

    started = time.monotonic()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        version = cursor.fetchone()[0]
    pgdata = Path(settings.EMBEDDED_PGDATA)
    where = pgdata.relative_to(ROOT) if pgdata.is_relative_to(ROOT) else pgdata
    print(f"      PostgreSQL {version} ready in {time.monotonic() - started:.1f} s (data in {where}/)")
    return pgdata


def migrate() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        print("      Up to date.")
        return
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"      Applied {len(pending)} migrations in {time.monotonic() - started:.0f} s.")


def seed_demo() -> None:
    """Load the demo the first time; a database holding someone's real data is left alone, and the rest runs."""
    from django.core.management import CommandError, call_command

    logging.disable(logging.INFO)  # the apps' INFO lines would break the progress bar
    try:
        call_command("seed_demo", quiet_logins=True, unless_seeded=True)
    except CommandError as refused:
        print(f"      No demo data: {refused}")
    finally:
        logging.disable(logging.NOTSET)


def logins_by_role() -> str:
    from resolutionflow.demo import ACCOUNTS, DEMO_PASSWORD, USERS
    from resolutionflow.models import Role

    width = max(len(user.email) for user in USERS)
    lines = [f"Demo logins (password: {DEMO_PASSWORD})"]
    for role in (Role.ENGINEER, Role.TEAM_ADMIN, Role.OWNER):
        for user in (user for user in USERS if user.role == role):
            where = ACCOUNTS[user.account_slug][0] + (f", {user.team}" if user.team else "")
            lines.append(f"  {role.label:<11} {user.email:<{width}}  {where}")
    return "\n".join(lines)


def stop_database(pgdata: Path) -> int:
    """Stop the embedded PostgreSQL of `pgdata` (a fast shutdown: SIGINT to its postmaster, as pg_ctl does)."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        print(f"The embedded PostgreSQL ({pgdata}) is not running.")
        return 0
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        print(f"The embedded PostgreSQL ({pgdata}) is not running (a stale postmaster.pid).")
        return 0
    if not wait_until(lambda: not pid_file.exists(), 30):
        print(f"PostgreSQL (pid {pid}) did not stop within 30 s.", file=sys.stderr)
        return 1
    print(f"Stopped the embedded PostgreSQL ({pgdata}).")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run ResolutionFlow with its demo on this machine.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--stop-database", action="store_true", help="Stop the embedded PostgreSQL and exit.")
    args = parser.parse_args(argv)
    started = time.monotonic()
    _setup_django()
    if args.stop_database:
        from django.conf import settings

        return stop_database(Path(settings.EMBEDDED_PGDATA))

    stage(1, "Database: the embedded PostgreSQL with pgvector")
    pgdata = start_database()
    stage(2, "Migrations")
    migrate()
    stage(3, "Demo data")
    seed_demo()
    from django.db import connections

    connections.close_all()

    stage(4, f"Worker and fake PSA (logs in {LOG_DIR.relative_to(ROOT)}/)")
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1"), "PYTHONUNBUFFERED": "1"}
    worker = Service("worker", [PYTHON, "manage.py", "qcluster"], env, LOG_DIR / "worker.log").start()
    fake_psa = Service(
        "fake PSA", [PYTHON, "manage.py", "fake_psa", "--port", str(FAKE_PSA_PORT)], env, LOG_DIR / "fake-psa.log"
    ).start()
    print(f"      worker pid {worker.pid}; fake PSA pid {fake_psa.pid} at http://127.0.0.1:{FAKE_PSA_PORT}/")

    url = f"http://{args.host}:{args.port}/"
    stage(5, f"Web server at {url}")
    web = Service(
        "web server", [PYTHON, "manage.py", "runserver", f"{args.host}:{args.port}"], env, LOG_DIR / "web.log"
    ).start()
    running = [web, worker, fake_psa]
    if not wait_until(lambda: http_status(f"{url}healthz", timeout=2) == 200 or not web.running(), 120, 0.3):
        print(f"The web server did not answer within 120 s; its output:\n{web.tail()}", file=sys.stderr)
    if not web.running():
        print(f"The web server stopped; its output:\n{web.tail()}", file=sys.stderr)
        for service in running:
            service.stop()
        return 1

    print()
    print(f"ResolutionFlow is serving at {url}  (ready in {time.monotonic() - started:.1f} s)")
    print(logins_by_role())
    print(f"The demo's PSA is the fake PSA at http://127.0.0.1:{FAKE_PSA_PORT}/ (its tickets, notes and time entries).")
    print(f"Requests are logged in {LOG_DIR.relative_to(ROOT)}/web.log.")
    print("Ctrl-C stops the web server, the worker and the fake PSA.")
    code = run_until_stopped(running)
    print()
    print("Stopped the web server, the worker and the fake PSA.")
    print(
        f"The embedded PostgreSQL keeps running (data in {pgdata}); the next `make run` reuses it. "
        "Stop it with: .venv/bin/python -m ops.run --stop-database"
    )
    return code


if __name__ == "__main__":
    raise SystemExit(main())
