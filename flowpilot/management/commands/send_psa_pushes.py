from django.core.management.base import BaseCommand

from flowpilot.analysis_queue import StopOnSigterm
from flowpilot.psa.sender import send_due_pushes


class Command(BaseCommand):
    help = (
        "Send due PSA pushes (notes and time entries) to verified ticket links, and check unverified links "
        "(safe to run from cron beside the worker). SIGTERM stops it after the push in hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="Send at most this many pushes (default 1000).")
        parser.add_argument("--max-seconds", type=float, default=None, help="Stop after this many seconds.")

    def handle(self, *args, limit=1000, max_seconds=None, **options):
        with StopOnSigterm() as stop:
            results = send_due_pushes(limit, max_seconds=max_seconds, stop=stop)
        summary = ", ".join(f"{key}: {count}" for key, count in sorted(results.items())) or "nothing due"
        self.stdout.write(f"PSA pushes — {summary}")
