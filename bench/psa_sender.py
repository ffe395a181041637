"""The PSA sender drains 1,000 due pushes against the fake PSA with two workers, none written twice.

    .venv/bin/python bench/psa_sender.py [--pushes N] [--workers N]

A throwaway database gets an account connected (ConnectWise) to a fake PSA running in this process on
127.0.0.1, 500 resolved sessions linked to its ticket and their 1,000 due pushes (a note and a time entry
each). Two worker processes then run `send_due_pushes()` at once, as two `qcluster` workers or cron plus a
worker would: each claims batches with SKIP LOCKED and writes through the real connector over HTTP.
Reported: pushes sent per second over the wall time (target ≥ 50), and how many markers reached the fake
PSA more than once (target 0), with the per-worker split.
"""

import argparse
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path

from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup_django import setup

PUSHES = 1000
WORKERS = 2
TARGET = 50


def prepare(fake, pushes: int):
    """The account, its connection to `fake`, the sessions, their verified links and due pushes."""
    from django.db import connection
    from django.utils import timezone

    from flowpilot.models import AISession, PsaConnection, PsaPush, TicketLink
    from flowpilot.psa.connectors.base import Provider
    from flowpilot.psa.demo_connection import connect_to_fake
    from resolutionflow.models import Account, User

    with connection.cursor() as cursor:  # a throwaway database
        cursor.execute("TRUNCATE flowpilot_psapush, flowpilot_ticketlink")
    account, _ = Account.objects.get_or_create(slug="bench-psa", defaults={"name": "Bench PSA"})
    engineer, _ = User.objects.get_or_create(
        email="engineer@bench-psa.test", defaults={"account": account, "role": "engineer"}
    )
    PsaConnection.objects.filter(account=account).delete()
    connect_to_fake(account, fake.url)
    ticket = fake.tickets(Provider.CONNECTWISE)[0]
    now = timezone.now()
    sessions = AISession.objects.bulk_create(
        AISession(
            account=account,
            engineer=engineer,
            intake_content={"text": f"Bench problem {n}", "ticket_id": ticket.number},
            problem_summary=f"Bench problem {n}",
            confidence_tier="discovery",
            status="resolved",
            resolved_at=now,
            resolution_summary="Fixed",
            documentation=f"Bench documentation {n}",
        )
        for n in range(pushes // 2)
    )
    TicketLink.objects.bulk_create(
        TicketLink(
            account=account,
            session=s,
            provider="connectwise",
            number=ticket.number,
            ticket_id=str(ticket.id),
            status="verified",
            verified_at=now,
        )
        for s in sessions
    )
    rows = []
    for s in sessions:
        rows.append(
            PsaPush(
                account=account,
                session=s,
                engineer=engineer,
                kind="note",
                payload={"internal": False, "resolution": True},
                next_attempt_at=now,
            )
        )
        rows.append(
            PsaPush(
                account=account,
                session=s,
                engineer=engineer,
                kind="time_entry",
                payload={
                    "start": (now - timezone.timedelta(minutes=30)).isoformat(),
                    "end": now.isoformat(),
                    "hours": "0.50",
                    "notes": "Bench",
                },
                next_attempt_at=now,
            )
        )
    PsaPush.objects.bulk_create(rows)
    return ticket


def work(results) -> None:
    """One worker process: its own database connection, then send until nothing is due."""
    from django.db import connections

    from flowpilot.psa.sender import send_due_pushes

    connections.close_all()
    results.put(dict(send_due_pushes()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pushes", type=int, default=PUSHES)
    parser.add_argument("--workers", type=int, default=WORKERS)
    args = parser.parse_args()
    os.environ.setdefault("PSA_ENCRYPTION_KEYS", Fernet.generate_key().decode())  # a throwaway key
    setup("resolutionflow_bench_psa")
    from django.db import connections

    from flowpilot.models import PsaPush
    from flowpilot.psa.connectors.base import Provider
    from flowpilot.psa.fake import FakePsa

    with FakePsa() as fake:
        ticket = prepare(fake, args.pushes)
        due = PsaPush.objects.filter(status="pending").count()
        notes_before = len(fake.notes(Provider.CONNECTWISE, ticket.id))
        connections.close_all()  # the workers are forked: none may share this connection
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        workers = [context.Process(target=work, args=(results,)) for _ in range(args.workers)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        split = [results.get(timeout=600) for _ in workers]
        elapsed = time.perf_counter() - started
        for worker in workers:
            worker.join()
        notes = fake.notes(Provider.CONNECTWISE, ticket.id)[notes_before:]
        entries = fake.time_entries(Provider.CONNECTWISE, ticket.id)
        markers = Counter()
        for push in PsaPush.objects.only("marker"):
            markers[push.marker] = sum(push.marker in n.text for n in notes) + sum(
                push.marker in e.notes for e in entries
            )
    sent = sum(part.get("succeeded", 0) for part in split)
    twice = sum(1 for count in markers.values() if count > 1)
    missing = sum(1 for count in markers.values() if count == 0)
    rate = sent / elapsed if elapsed else float("inf")
    print(f"due pushes: {due:,}; workers: {args.workers}; per worker: {split}")
    print(f"sent {sent:,} in {elapsed:.1f} s: {rate:.0f} pushes/s; written twice: {twice}; not written: {missing}")
    print(f"statuses: {dict(Counter(PsaPush.objects.values_list('status', flat=True)))}")
    print(f"RESULT psa_sender pushes_per_s={rate:.1f} target={TARGET}")
    print(f"RESULT psa_sender_written_twice count={twice} target=<=0")
    return 0 if rate >= TARGET and twice == 0 and missing == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
