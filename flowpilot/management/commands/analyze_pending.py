from django.core.management.base import BaseCommand

from flowpilot.analysis_queue import StopOnSigterm, analyze_pending


class Command(BaseCommand):
    help = (
        "Run the Knowledge Flywheel over resolved sessions awaiting analysis (safe to run from cron). "
        "SIGTERM stops it after the session in hand; its other claims are handed back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Claim at most this many sessions.")
        parser.add_argument(
            "--max-seconds", type=float, default=None, help="Stop after this many seconds (the rest is handed back)."
        )
        parser.add_argument("--retry-failed", action="store_true", help="Re-queue failed analyses first.")

    def handle(self, *args, limit=None, max_seconds=None, retry_failed=False, **options):
        with StopOnSigterm() as stop:
            results = analyze_pending(limit, retry_failed=retry_failed, max_seconds=max_seconds, stop=stop)
            summary = ", ".join(f"{key}: {count}" for key, count in sorted(results.items())) or "nothing pending"
            self.stdout.write(f"Analysed {results.total()} session(s) — {summary}")
