"""`make load`: 50 engineers and 5 team admins (bench/load/locustfile.py) against `make serve` for a few
minutes, then the database checked: no step, proposal or push lost or duplicated.

    .venv/bin/python bench/load/run.py [--seconds 180] [--database-url URL]

The service is what `make serve` runs (ops/serve.py: gunicorn with 2 x cores + 1 workers, whitenoise, the
django-q2 worker, DEBUG off) with the fake PSA (`manage.py fake_psa`) on a free port; its database is a fresh
one on a PostgreSQL of its own (.data/pg-load, over TCP) holding the demo data plus 50 engineers and 5 team
admins, unless --database-url names an empty, migrated one (the 30-second smoke in the suite). Loopback only;
locust stops by itself after --seconds. Printed: requests, failures and p50/p95/p99 per endpoint, then the
targets (0 errors; answering a step p95 <= 150 ms; the session list, session page, review queue and dashboard
p95 <= 300 ms) and the database checks, as RESULT lines. Logs: .data/load/.
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
from ops.postgres import TcpPostgres  # noqa: E402
from ops.processes import PYTHON, Service, base_environment, free_port, http_status, wait_until  # noqa: E402
from ops.serve import production_environment, services  # noqa: E402

RUN_DIR = ROOT / ".data" / "load"
DATABASE = "resolutionflow_load"
PASSWORD = "load-test-only-password"
ENGINEERS, ADMINS = 50, 5
PAGES = ("session list", "session page", "review queue", "dashboard")
ANSWER_P95_MS, PAGE_P95_MS = 150, 300
DRAIN_SECONDS = 180


def fresh_database() -> tuple[str, TcpPostgres]:
    postgres = TcpPostgres(ROOT / ".data" / "pg-load", free_port()).start()
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    postgres.create_database(DATABASE)
    return postgres.url(DATABASE), postgres


def signed_in_sessions(emails: list[str]) -> dict[str, str]:
    """{e-mail: session key}: each person already signed in (the suite's smoke skips 55 slow password hashes)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from resolutionflow.models import User

    keys = {}
    for user in User.objects.filter(email__in=emails):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys[user.email] = session.session_key
    return keys


def prepare(fake_psa_url: str, migrate: bool, history: bool = True) -> dict:
    """Demo data, the people of the load and what they need (tickets, a script template); returns the
    LOAD_USERS document."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Q

    from flowpilot.models import PsaConnection
    from flowpilot.psa.connectors.base import Provider
    from flowpilot.psa.fake.store import FakeStore
    from resolutionflow.models import Account, Role, User
    from scripts import services as script_services
    from scripts.models import ScriptTemplate

    if migrate:
        call_command("migrate", verbosity=0)
    call_command("createcachetable")  # a test database was migrated under the suite's in-memory cache
    call_command("seed_demo", "--quiet-logins", *([] if history else ["--without-history"]))
    account = Account.objects.get(slug="northwind")
    PsaConnection.objects.filter(account=account).update(connectwise_site=fake_psa_url)
    team = account.teams.get(name="Service Desk")
    people = {"password": PASSWORD, "engineers": [], "admins": []}
    for kind, role, count in (("engineers", Role.ENGINEER, ENGINEERS), ("admins", Role.TEAM_ADMIN, ADMINS)):
        for n in range(count):
            email = f"load-{kind[:-1]}-{n}@northwind.test"
            User.objects.create_user(email=email, password=None, account=account, team=team, role=role)
            people[kind].append(email)
    everyone = people["engineers"] + people["admins"]
    User.objects.filter(email__in=everyone).update(password=make_password(PASSWORD))  # one hash, not 55
    store = FakeStore()
    store.seed()
    people["tickets"] = [ticket.number for ticket in store.tickets_of(Provider.CONNECTWISE)]
    engineer = User.objects.get(email=people["engineers"][0])
    usable = ScriptTemplate.objects.filter(Q(account=account) | Q(account__isnull=True), is_active=True)  # + built-in
    for template in usable.order_by("slug"):
        values = example_values(template.parameters_schema)
        try:
            with transaction.atomic():
                script_services.generate(engineer, template, params=values)
                transaction.set_rollback(True)
        except Exception:  # a parameter these examples do not satisfy: the next template
            continue
        people.update(template_id=str(template.pk), parameters=values)
        return people
    raise SystemExit("No script template the demo account can use takes the load's example values.")


EXAMPLES = {
    "int": 1,
    "bool": False,
    "email": "user@northwind.test",
    "upn": "user@northwind.test",
    "sam_account_name": "jsmith",
    "hostname": "PC-0042",
    "ip": "10.0.0.42",
    "ou_dn": "OU=Staff,DC=northwind,DC=local",
    "path": "C:\\Temp",
    "secret": "Example-Passw0rd!",
}


def example_values(schema) -> dict:
    """A value for each parameter of a template: its default, its first choice, or an example of its type."""
    from scripts.template_engine import parse_schema

    values = {}
    for parameter in parse_schema(schema):
        if parameter.default not in (None, ""):
            values[parameter.key] = parameter.default
        elif parameter.choices:
            values[parameter.key] = parameter.choices[0]
        else:
            values[parameter.key] = EXAMPLES.get(parameter.type, "example")
    return values


def run_locust(base: str, seconds: int, users_file: Path, ledger: Path) -> Path:
    prefix = RUN_DIR / "locust"
    users = ENGINEERS + ADMINS
    # People arrive over the first sixth of the run (at least 2 a second): their sign-ins (a deliberately slow
    # password hash each) are spread out as a morning's are, not all in the first seconds.
    spawn_rate = max(2, round(users * 6 / seconds))
    env = base_environment(LOAD_USERS=str(users_file), LOAD_LEDGER=str(ledger))
    command = [
        *(PYTHON, "-m", "locust", "-f", str(Path(__file__).parent / "locustfile.py"), "--headless"),
        *("-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s", "-H", base),
        *("--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0"),
    ]
    with open(RUN_DIR / "locust.log", "wb") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 180)
    return Path(f"{prefix}_stats.csv")


def read_stats(path: Path) -> list[dict]:
    with open(path) as stats:
        return [row for row in csv.DictReader(stats) if row["Name"] != "Aggregated"]


def queue_worker_runs() -> None:
    """What the schedule would do next (the flywheel every 5 minutes, the sender every minute), now."""
    from django_q.tasks import async_task

    from flowpilot import tasks as flywheel_tasks
    from flowpilot.psa import tasks as psa_tasks

    async_task(flywheel_tasks.TASK)
    async_task(psa_tasks.TASK)


def drained(resolved: list[str]) -> bool:
    from flowpilot.models import AISession, PsaPush

    return (
        not AISession.objects.filter(pk__in=resolved).exclude(analysis_status="completed").exists()
        and not PsaPush.objects.filter(session_id__in=resolved).exclude(status="succeeded").exists()
    )


def database_checks(ledger: dict, fake_psa_url: str) -> list[tuple[str, int]]:
    """(check, count of what is wrong) for every check; each count must be 0."""
    from flowpilot.models import AISession, AISessionStep, PsaPush
    from knowledge.models import FlowProposal
    from ops.exactly_once import sessions_not_in_their_proposal, supporting_counts

    ids = list(ledger)
    resolved = [sid for sid, entry in ledger.items() if entry["resolved"]]
    answered = Counter(
        str(sid)
        for sid in AISessionStep.objects.filter(session_id__in=ids, answered_at__isnull=False).values_list(
            "session_id", flat=True
        )
    )
    status = {str(pk): s for pk, s in AISession.objects.filter(pk__in=ids).values_list("pk", "status")}
    analysed = Counter(AISession.objects.filter(pk__in=resolved).values_list("analysis_status", "analysis_attempts"))
    in_proposals = supporting_counts(FlowProposal.objects.all())
    astray = sessions_not_in_their_proposal(resolved, in_proposals)
    pushes = Counter(
        (str(sid), kind, state)
        for sid, kind, state in PsaPush.objects.filter(session_id__in=ids).values_list("session_id", "kind", "status")
    )
    with urllib.request.urlopen(fake_psa_url + "/", timeout=30) as response:
        page = response.read().decode()
    markers = PsaPush.objects.filter(session_id__in=ids).values_list("marker", flat=True)
    on_psa = Counter(page.count(marker) for marker in markers)
    return [
        ("sessions answered but not stored", len(set(ids) - set(status))),
        ("steps lost or duplicated", sum(answered[sid] != entry["answered"] for sid, entry in ledger.items())),
        ("resolved sessions not resolved", sum(status.get(sid) != "resolved" for sid in resolved)),
        ("resolved sessions not analysed exactly once", len(resolved) - analysed[("completed", 1)]),
        ("sessions in two proposals", sum(1 for count in in_proposals.values() if count > 1)),
        (
            "resolved sessions not in the proposal their analysis made",
            len(astray),
        ),
        (
            "pushes lost or duplicated",
            sum(pushes[(sid, kind, "succeeded")] != 1 for sid in resolved for kind in ("note", "time_entry")),
        ),
        ("pushes not on the PSA exactly once", sum(count for times, count in on_psa.items() if times != 1)),
    ]


def report(rows: list[dict]) -> list[tuple[str, float, str, bool]]:
    print(f"{'endpoint':<20}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for row in sorted(rows, key=lambda r: r["Name"]):
        print(
            f"{row['Name']:<20}{row['Request Count']:>10}{row['Failure Count']:>8}"
            f"{row['50%']:>9}{row['95%']:>9}{row['99%']:>9}"
        )
    by_name = {row["Name"]: row for row in rows}
    figures = [("errors", sum(int(r["Failure Count"]) for r in rows), "<=0", None)]
    figures.append(
        ("answer_step_p95", float(by_name.get("answer step", {}).get("95%") or "nan"), f"<={ANSWER_P95_MS}", None)
    )
    for name in PAGES:
        value = float(by_name.get(name, {}).get("95%") or "nan")
        figures.append((f"{name.replace(' ', '_')}_p95", value, f"<={PAGE_P95_MS}", None))
    return [(name, value, target, value <= float(target[2:])) for name, value, target, _ in figures]


SERVER_ENDPOINTS = [
    ("answer step", re.compile(r'"POST /api/v1/ai-sessions/[0-9a-f-]+/steps ')),
    ("session list", re.compile(r'"GET /sessions/ ')),
    ("session page", re.compile(r'"GET /sessions/[0-9a-f-]+/ ')),
    ("review queue", re.compile(r'"GET /review/ ')),
    ("dashboard", re.compile(r'"GET /analytics/ ')),
]
ACCESS_TIME = re.compile(r" (\d+)ms$")


def server_p95s(web_log: Path) -> dict[str, float]:
    """p95 of the time gunicorn's access log gives each endpoint (inside the app, without the client's wait)."""
    times: dict[str, list[int]] = {name: [] for name, _ in SERVER_ENDPOINTS}
    for line in web_log.read_text(errors="replace").splitlines():
        took = ACCESS_TIME.search(line)
        for name, pattern in SERVER_ENDPOINTS:
            if took and pattern.search(line):
                times[name].append(int(took.group(1)))
    return {name: sorted(t)[int(0.95 * (len(t) - 1))] if t else float("nan") for name, t in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--database-url", help="an empty, migrated database (default: a fresh one of its own)")
    parser.add_argument(
        "--signed-in", action="store_true", help="people start signed in instead of signing in through the page"
    )
    parser.add_argument(
        "--without-history", action="store_true", help="the demo without its 90 days of sessions (a quicker start)"
    )
    args = parser.parse_args(argv)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    for old in RUN_DIR.iterdir():
        old.unlink()
    postgres = None
    if args.database_url:
        database_url = args.database_url
    else:
        database_url, postgres = fresh_database()
    env, _ = production_environment(
        "127.0.0.1",
        base=base_environment(
            DATABASE_URL=database_url,
            SECRET_KEY=Fernet.generate_key().decode(),
            PSA_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            LLM_PROVIDER="none",
            EMBEDDING_PROVIDER="local",
        ),
    )
    os.environ.update(env)
    psa_port, web_port = free_port(), free_port()
    fake_psa_url = f"http://127.0.0.1:{psa_port}"
    running: list[Service] = []
    try:
        running.append(
            Service(
                "fake PSA", [PYTHON, "manage.py", "fake_psa", "--port", str(psa_port)], env, RUN_DIR / "psa.log"
            ).start()
        )
        people = prepare(fake_psa_url, migrate=not args.database_url, history=not args.without_history)
        if args.signed_in:
            people["sessions"] = signed_in_sessions(people["engineers"] + people["admins"])
        users_file, ledger_file = RUN_DIR / "users.json", RUN_DIR / "ledger.json"
        users_file.write_text(json.dumps(people))
        from ops.processes import manage

        manage("collectstatic", "--noinput", "-v", "0", env=env)
        for service in services(env, "127.0.0.1", web_port, RUN_DIR):
            running.append(service.start())
        base = f"http://127.0.0.1:{web_port}"
        if not wait_until(lambda: http_status(f"{base}/healthz") == 200, 120):
            print("make serve did not come up:\n" + running[1].tail())
            return 1
        print(f"make serve at {base} (gunicorn and the worker), the fake PSA at {fake_psa_url}")
        print(f"{ENGINEERS} engineers and {ADMINS} team admins for {args.seconds} s, 2-5 s between tasks...")
        stats = read_stats(run_locust(base, args.seconds, users_file, ledger_file))
        ledger = json.loads(ledger_file.read_text())
        resolved = [sid for sid, entry in ledger.items() if entry["resolved"]]
        started = time.monotonic()
        queue_worker_runs()
        wait_until(lambda: drained(resolved), DRAIN_SECONDS, interval=1)
        print(
            f"sessions: {len(ledger)} started, {len(resolved)} resolved; the worker drained in "
            f"{time.monotonic() - started:.0f} s"
        )
        figures = report(stats)
        checks = database_checks(ledger, fake_psa_url)
        inside = server_p95s(RUN_DIR / "web.log")
        print("p95 inside the app (gunicorn's access log): " + ", ".join(f"{k} {v:g} ms" for k, v in inside.items()))
    finally:
        for service in reversed(running):
            service.stop(grace=20)
        if postgres is not None:
            postgres.stop()
    total = sum(int(row["Request Count"]) for row in stats)
    print(f"requests served: {total} ({total / args.seconds:.1f}/s)")
    for name, value, target, _met in figures:
        print(f"RESULT load_{name} {'count' if name == 'errors' else 'ms'}={value:g} target={target}")
    for name, wrong in checks:
        print(f"RESULT load_{name.replace(' ', '_')} count={wrong} target=<=0")
    ok = all(met for *_, met in figures) and all(wrong == 0 for _, wrong in checks)
    print("load: every target met" if ok else "load: a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
