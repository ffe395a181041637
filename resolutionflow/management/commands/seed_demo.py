from django.core.management.base import BaseCommand, CommandError

from resolutionflow.demo import logins_text, non_demo_data, seed_all


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
            "--reset-passwords",
            action="store_true",
            help="Set existing demo users' passwords back to the demo password.",
        )

    def handle(self, *args, quiet_logins=False, logins_only=False, force=False, reset_passwords=False, **options):
        if logins_only:
            self.stdout.write(logins_text())
            return
        others = non_demo_data()
        if others and not force:
            raise CommandError(
                f"This database holds data that is not the demo's ({', '.join(others)}). seed_demo adds demo "
                "users with a published password: run it against an empty or a demo database, or pass --force."
            )
        for line in seed_all(reset_passwords=reset_passwords):
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if not quiet_logins:
            self.stdout.write(logins_text())
