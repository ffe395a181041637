import time

from django.core.management.base import BaseCommand, CommandError

from flowpilot.errors import NotThrowaway
from flowpilot.scale_data import generate


class Command(BaseCommand):
    help = "Load synthetic sessions and steps in bulk (COPY) into a throwaway database, for benches."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, required=True)
        parser.add_argument("--accounts", type=int, default=1, help="Spread over this many scale accounts.")
        parser.add_argument("--days", type=int, default=730, help="Spread over this many past days.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--steps", type=int, default=None, help="About this many steps per session.")
        parser.add_argument("--force", action="store_true", help="Run even where real accounts exist.")

    def handle(self, *args, sessions, accounts, days, seed, force, steps=None, **options):
        started = time.monotonic()

        def progress(made, steps):
            self.stdout.write(f"  {made:,} sessions, {steps:,} steps ({time.monotonic() - started:.0f} s)")

        try:
            result = generate(
                sessions,
                accounts=accounts,
                days=days,
                seed=seed,
                force=force,
                progress=progress,
                steps_per_session=steps,
            )
        except NotThrowaway as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.sessions:,} sessions and {result.steps:,} steps in {result.accounts} account(s), "
                f"{time.monotonic() - started:.0f} s"
            )
        )
