import sys
import time

from django.core.management.base import BaseCommand, CommandError

from resolutionflow.demo import demo_steps, is_seeded, logins_text, non_demo_data

BAR_WIDTH = 24


class Command(BaseCommand):
    help = (
        "Create or refresh the demo data (idempotent): accounts, teams, users, flows and history. "
        "Refuses a database that holds other accounts (unless --force); keeps demo users' passwords "
        "(unless --reset-passwords)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")
        parser.add_argument("--logins-only", action="store_true", help="Only print the demo logins.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though the database holds accounts or users that are not the demo's.",
        )
        parser.add_argument(
            "--unless-seeded",
            action="store_true",
            help="Do nothing when the demo is already loaded (`make run` after the first time).",
        )
        parser.add_argument(
            "--without-history",
            action="store_true",
            help="Accounts, users, flows, script templates and the PSA connection only: no sessions, pushes, "
            "analyses or scripts in the past (a load test's start).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set existing demo users' passwords back to the demo password.",
        )

    def handle(
        self,
        *args,
        quiet_logins=False,
        logins_only=False,
        force=False,
        unless_seeded=False,
        reset_passwords=False,
        without_history=False,
        **options,
    ):
        if logins_only:
            self.stdout.write(logins_text())
            return
        if unless_seeded and is_seeded():
            self.stdout.write("  Demo data already loaded (`make demo` brings it back to its demo state).")
            return
        others = non_demo_data()
        if others and not force:
            raise CommandError(
                f"This database holds data that is not the demo's ({', '.join(others)}). seed_demo adds demo "
                "users with a published password: run it against an empty or a demo database, or pass --force."
            )
        steps = demo_steps(reset_passwords=reset_passwords, history=not without_history)
        started = time.monotonic()
        for index, (label, run) in enumerate(steps):
            self._progress(index, len(steps), label)
            line = run()
            self._done(index + 1, len(steps), line)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({time.monotonic() - started:.0f} s)."))
        if not quiet_logins:
            self.stdout.write(logins_text())

    def _bar(self, done: int, total: int) -> str:
        filled = round(BAR_WIDTH * done / total)
        return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total}"

    def _progress(self, done: int, total: int, label: str) -> None:
        """The bar and the step under way, redrawn in place on a terminal (a line per step elsewhere)."""
        if self._is_terminal():
            self.stdout.write(f"\r\033[K  {self._bar(done, total)}  {label}…", ending="")
            self.stdout.flush()

    def _done(self, done: int, total: int, line: str) -> None:
        if self._is_terminal():
            self.stdout.write(f"\r\033[K  {self._bar(done, total)}  {line}")
        else:
            self.stdout.write(f"  [{done}/{total}] {line}")

    def _is_terminal(self) -> bool:
        stream = getattr(self.stdout, "_out", sys.stdout)
        return hasattr(stream, "isatty") and stream.isatty()
