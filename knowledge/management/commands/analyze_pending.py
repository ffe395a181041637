from django.core.management.base import BaseCommand

from knowledge.flywheel.runner import analyze_pending


class Command(BaseCommand):
    help = "Run the Knowledge Flywheel over resolved sessions awaiting analysis (safe to run from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Claim at most this many sessions.")
        parser.add_argument("--retry-failed", action="store_true", help="Re-queue failed analyses first.")

    def handle(self, *args, limit=None, retry_failed=False, **options):
        results = analyze_pending(limit, retry_failed=retry_failed)
        summary = ", ".join(f"{key}: {count}" for key, count in sorted(results.items())) or "nothing pending"
        self.stdout.write(f"Analysed {results.total()} session(s) — {summary}")
